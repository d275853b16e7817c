"""The deterministic demo seed: believable companies, domains, emails and websites, with gaps to enrich."""
from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from localorg.data.schema_std import PICKLISTS
from localorg.data.seed_security import seed_security
from localorg.data.validate import format_datetime

if TYPE_CHECKING:
    from localorg.data.org import Org

SEED = 20260611
COUNTS = {"Account": 2000, "Lead": 5000, "Contact": 4000, "Opportunity": 1500}
PLACEHOLDER = "[[unknown]]"
FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "gmx.de")
# Fraction of blanks per enrichable field (each within 30-60%).
BLANKS = {"Industry": 0.42, "NumberOfEmployees": 0.48, "AnnualRevenue": 0.55, "Phone": 0.36,
          "Description": 0.58, "Title": 0.33, "Website": 0.40, "Street": 0.45, "City": 0.38,
          "State": 0.35, "PostalCode": 0.44, "Country": 0.35}

_FIRST = ("Anna Ben Carla Diego Elena Farid Greta Hugo Ines Jonas Kira Leon Mara Nils Omar Paula Quinn Rosa "
          "Sami Tara Umut Vera Wim Xena Yusuf Zoe Aiko Bruno Chloé Dario Esme Felix Hana Igor Julia Karim "
          "Lena Marco Nadia Oskar Pia Rafael Sara Timo Ulla Viktor Wendy Yara").split()
_LAST = ("Schmidt Rossi Dubois Novak Jensen Kowalski Silva Andersson Brown Taylor Wilson Nguyen Kim Sato "
         "Fischer Weber Moreau Bianchi Costa Lopez Martins Berg Larsen Horvat Popescu Murphy Walsh Evans "
         "Hughes Wright Clarke Baker Meyer Wagner Becker Hoffmann Schulz Koch Richter Klein Wolf Neumann "
         "Schwarz Zimmermann Krüger Hartmann Lange Werner Krause Lehmann").split()
_STEMS = ("North Blue Silver Bright Green Iron Red Summit Harbor Pioneer Vertex Nimbus Atlas Orbit Cobalt "
          "Maple Falcon Granite Lumen Quantum Cedar Delta Apex Nova Polar Sterling Willow Crest Horizon Swift "
          "Evergreen Alpine Coastal Golden Keystone Meridian Oak River Stone Sun").split()
_NOUNS = ("Analytics Logistics Robotics Foods Health Energy Systems Labs Dynamics Networks Solutions Media "
          "Capital Materials Software Partners Works Bio Data Consulting Security Motors Textiles Farms "
          "Pharma Retail Studios Cloud Devices Foundry").split()
_SUFFIX = ("Inc.", "LLC", "GmbH", "Ltd", "AG", "S.A.", "B.V.", "Corp.", "", "", "", "")
_IDN = [("München Bau", "münchen-bau.de"), ("Zürich Präzision", "zürich-präzision.ch"),
        ("Café Lumière", "café-lumière.fr"), ("Göteborg Hamn", "göteborg-hamn.se"),
        ("Ærø Fisk", "ærø-fisk.dk"), ("Köln Stahl", "köln-stahl.de"), ("Málaga Sol", "málaga-sol.es"),
        ("Düsseldorf Druck", "düsseldorf-druck.de")]
_TLDS = (".com",) * 6 + (".io", ".co", ".de", ".co.uk", ".net", ".fr", ".nl")
_PLACES = [("San Francisco", "CA", "94105", "United States"), ("Austin", "TX", "78701", "USA"),
           ("New York", "NY", "10001", "US"), ("Chicago", "IL", "60601", "United States"),
           ("Boston", "MA", "02108", "United States"), ("London", None, "EC1A 1BB", "United Kingdom"),
           ("Manchester", None, "M1 1AE", "UK"), ("München", "Bayern", "80331", "Germany"),
           ("Berlin", "Berlin", "10115", "Deutschland"), ("Paris", None, "75001", "France"),
           ("Amsterdam", "Noord-Holland", "1012 JS", "Netherlands"), ("Toronto", "ON", "M5H 2N2", "Canada"),
           ("Sydney", "NSW", "2000", "Australia"), ("Zürich", "ZH", "8001", "Switzerland")]
_TITLES = ("CEO", "CTO", "VP Sales", "Head of Marketing", "Operations Manager", "Procurement Lead",
           "Software Engineer", "CFO", "IT Director", "Office Manager", "Founder", "Sales Director")
_PRODUCTS = ("Platform Renewal", "Expansion", "Pilot", "Enterprise License", "Services", "Upgrade")


def _company(rng: random.Random, used: set[str]) -> tuple[str, str]:
    """Return a new (company name, bare domain) pair."""
    while True:
        if rng.random() < 0.02:
            base, domain = rng.choice(_IDN)
            name = f"{base} {rng.choice(('GmbH', 'AG', 'SA', 'AB'))} {rng.randint(2, 99)}"
            domain = domain.replace(".", f"{rng.randint(2, 99)}.", 1)
        else:
            stem, noun, suffix = rng.choice(_STEMS), rng.choice(_NOUNS), rng.choice(_SUFFIX)
            name = " ".join(p for p in (stem + rng.choice(("", "", "wind", "gate", "line")), noun, suffix) if p)
            slug = name.split()[0].lower() + ("" if rng.random() < 0.5 else "-" + noun.lower())
            domain = slug + rng.choice(_TLDS)
        if name not in used:
            used.add(name)
            return name, domain


def _website(rng: random.Random, domain: str) -> str:
    """Return the domain's website in one of the shapes people type."""
    shape = rng.randrange(8)
    return [f"https://www.{domain}/", domain, f"www.{domain}", f"HTTP://{domain.upper()}/about",
            f"http://{domain}:8080", f"https://{domain}", f"https://www.{domain}/en/home?ref=crm",
            f"http://www.{domain}"][shape]


def _blank(rng: random.Random, field: str, value: object) -> object:
    return None if rng.random() < BLANKS.get(field, 0.0) else value


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_FIRST), rng.choice(_LAST)


def _email(rng: random.Random, first: str, last: str, domain: str) -> str:
    local = rng.choice((f"{first}.{last}", f"{first[0]}.{last}", first, f"{first}_{last}", f"{first[0]}{last}"))
    ascii_local = local.lower().replace("é", "e").replace("ü", "ue").replace("ö", "oe")
    return f"{ascii_local}@{domain}"


def _firmographics(rng: random.Random, prefix: str = "") -> dict:
    city, state, postal, country = rng.choice(_PLACES)
    employees = rng.choice((5, 12, 40, 85, 150, 320, 800, 2500, 12000))
    return {
        "Industry": _blank(rng, "Industry", PLACEHOLDER if rng.random() < 0.03 else rng.choice(PICKLISTS["Industry"])),
        "NumberOfEmployees": _blank(rng, "NumberOfEmployees", employees),
        "AnnualRevenue": _blank(rng, "AnnualRevenue", float(employees * rng.randint(60, 400) * 1000)),
        "Phone": _blank(rng, "Phone", f"+1 {rng.randint(200, 989)} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"),
        "Description": _blank(rng, "Description", rng.choice(("Met at trade show.", "Inbound via website form.",
                                                              "Referred by a partner.", "Long-time prospect."))),
        prefix + "Street": _blank(rng, "Street", f"{rng.randint(1, 400)} {rng.choice(_STEMS)} Street"),
        prefix + "City": _blank(rng, "City", city),
        prefix + "State": _blank(rng, "State", state),
        prefix + "PostalCode": _blank(rng, "PostalCode", postal),
        prefix + "Country": _blank(rng, "Country", country),
    }


def seed_org(org: Org, kind: str) -> None:
    """Fill an empty org: users and the org row always; the demo records when kind == 'demo'."""
    sales = seed_security(org)
    if kind == "demo":
        seed_records(org, sales)


def seed_records(org: Org, owners: list[str]) -> None:
    """Insert the demo Accounts, Contacts, Opportunities and Leads (deterministic for a given clock)."""
    rng = random.Random(SEED)
    now = org.clock().replace(microsecond=0)

    def stamp(owner: str) -> dict:
        """System fields of a record the owner created some time in the last two years."""
        created = now - timedelta(days=rng.randint(30, 720), seconds=rng.randint(0, 86399))
        modified = created + timedelta(days=rng.randint(0, 25), seconds=rng.randint(0, 86399))
        return {"CreatedDate": format_datetime(created), "LastModifiedDate": format_datetime(modified),
                "SystemModstamp": format_datetime(modified), "CreatedById": owner, "LastModifiedById": owner,
                "OwnerId": owner}

    used: set[str] = set()
    accounts, domains = [], []
    for _ in range(COUNTS["Account"]):
        name, domain = _company(rng, used)
        owner = rng.choice(owners)
        rec = {"Name": name, **_firmographics(rng, "Billing"), "Type": rng.choice(PICKLISTS["AccountType"]),
               "Rating": rng.choice((None, "Hot", "Warm", "Cold")), "AccountSource": rng.choice(PICKLISTS["LeadSource"]),
               **stamp(owner)}
        rec["Website"] = _blank(rng, "Website", _website(rng, domain))
        accounts.append(rec)
        domains.append(domain)
    account_ids = org.insert_system("Account", accounts)

    contacts = []
    for _ in range(COUNTS["Contact"]):
        i = rng.randrange(len(accounts))
        first, last = _person(rng)
        f = _firmographics(rng, "Mailing")
        contacts.append({"AccountId": account_ids[i], "FirstName": first, "LastName": last, "Name": f"{first} {last}",
                         "Email": _email(rng, first, last, domains[i]) if rng.random() < 0.9 else None,
                         "Title": _blank(rng, "Title", rng.choice(_TITLES)), "Phone": f["Phone"],
                         "Description": f["Description"], **{k: v for k, v in f.items() if k.startswith("Mailing")},
                         "LeadSource": rng.choice(PICKLISTS["LeadSource"]), **stamp(accounts[i]["OwnerId"])})
    org.insert_system("Contact", contacts)

    opps = []
    for _ in range(COUNTS["Opportunity"]):
        i = rng.randrange(len(accounts))
        stage = rng.choice(PICKLISTS["StageName"])
        close = (now + timedelta(days=rng.randint(-300, 200))).date().isoformat()
        opps.append({"AccountId": account_ids[i], "Name": f"{accounts[i]['Name']} - {rng.choice(_PRODUCTS)}",
                     "StageName": stage, "CloseDate": close, "Amount": float(rng.randint(5, 500) * 1000),
                     "Probability": float(rng.choice((10, 20, 50, 75, 90, 100))),
                     "Type": rng.choice(PICKLISTS["OpportunityType"]), "IsClosed": stage.startswith("Closed"),
                     "IsWon": stage == "Closed Won", "LeadSource": rng.choice(PICKLISTS["LeadSource"]),
                     **stamp(accounts[i]["OwnerId"])})
    org.insert_system("Opportunity", opps)

    leads = []
    for _ in range(COUNTS["Lead"]):
        first, last = _person(rng)
        if rng.random() < 0.3:
            i = rng.randrange(len(accounts))
            company, domain = accounts[i]["Name"], domains[i]
        else:
            company, domain = _company(rng, used)
        roll = rng.random()
        email = (_email(rng, first, last, rng.choice(FREE_MAIL)) if roll < 0.08
                 else None if roll < 0.13 else _email(rng, first, last, domain))
        rec = {"FirstName": first, "LastName": last, "Name": f"{first} {last}",
               "Company": PLACEHOLDER if rng.random() < 0.02 else company, "Email": email,
               "Title": _blank(rng, "Title", rng.choice(_TITLES)), "Website": _blank(rng, "Website", _website(rng, domain)),
               **_firmographics(rng), "LeadSource": rng.choice(PICKLISTS["LeadSource"] + [None]),
               "Status": rng.choice(PICKLISTS["LeadStatus"][:2] * 4 + PICKLISTS["LeadStatus"][2:]),
               "Rating": rng.choice((None, None, "Hot", "Warm", "Cold")), "HasOptedOutOfEmail": rng.random() < 0.1,
               "DoNotCall": rng.random() < 0.05, "IsConverted": False, "IsUnreadByOwner": False,
               **stamp(rng.choice(owners))}
        leads.append(rec)
    org.insert_system("Lead", leads)
