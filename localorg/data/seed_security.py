"""The demo org's organization row, profiles, permission sets, users and sharing (used by localorg.data.seed)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from localorg.data.security import OP_FIELDS

if TYPE_CHECKING:
    from localorg.data.org import Org


def hash_password(password: str) -> list:
    """Hash with the org's PBKDF2 scheme (imported lazily: localorg.data.org imports this module)."""
    from localorg.data.org import hash_password as _hash

    return _hash(password)

DEMO_PASSWORD = "demo-password"
DATA_OBJECTS = ("Lead", "Contact", "Account", "Opportunity")
NO_EDIT_FIELDS = {"Lead.Industry", "Lead.NumberOfEmployees", "Account.Industry", "Account.NumberOfEmployees"}

# name: (api, view_setup, object ops on the data objects, FLS edit?, fields never editable)
PROFILES: dict[str, tuple[bool, bool, tuple[str, ...], bool, frozenset[str]]] = {
    "System Administrator": (True, True, ("read", "create", "edit", "delete", "view_all", "modify_all"), True,
                             frozenset()),
    "Integration User": (True, False, ("read", "create", "edit", "delete"), True, frozenset()),
    "Read Only": (True, False, ("read", "view_all"), False, frozenset()),
    "Standard User": (True, False, ("read", "create", "edit", "delete"), True, frozenset()),
    "Standard User - No API": (False, False, ("read", "create", "edit", "delete"), True, frozenset()),
    "Restricted User": (False, False, ("read", "create", "edit"), True, frozenset(NO_EDIT_FIELDS)),
}
ADMIN_PROFILE = "System Administrator"
# Permission sets on top of profiles: name -> (label, api, view_setup).
PERMISSION_SETS = {"Setup_Viewer": ("Setup Viewer", False, True), "API_Access": ("API Access", True, False)}

# username, first, last, profile, active, extra permission sets, role (for the server's ready line)
DEMO_USERS = [
    ("admin@demo.test", "Ada", "Admin", "System Administrator", True, (), "admin"),
    ("integration@demo.test", "Ivy", "Integration", "Integration User", True, ("Setup_Viewer",), "integration"),
    ("auditor@demo.test", "Aaron", "Auditor", "Read Only", True, (), "read-only"),
    ("noapi@demo.test", "Nora", "Noapi", "Standard User - No API", True, (), "no-api"),
    ("restricted@demo.test", "Rex", "Restricted", "Restricted User", True, ("API_Access",), "restricted-fls"),
    ("inactive@demo.test", "Ina", "Inactive", "Integration User", False, (), "inactive"),
]
SALES_NAMES = [("Maria", "Garcia"), ("James", "Smith"), ("Priya", "Patel"), ("Lukas", "Müller"),
               ("Chen", "Wei"), ("Sophie", "Martin"), ("Olivia", "Brown"), ("Kenji", "Tanaka"),
               ("Emma", "Johnson"), ("Noah", "Williams"), ("Fatima", "Khan"), ("Lars", "Nielsen"),
               ("Ana", "Silva"), ("David", "Cohen"), ("Grace", "O'Neill")]
# The sales users whose Leads the integration and restricted users cannot see (Lead sharing is Private).
PRIVATE_OWNERS = ("fatima.khan@demo.test", "david.cohen@demo.test")


def user_roles() -> dict[str, str]:
    """Return {username: role} of the demo users (sales users have role 'sales')."""
    roles = {u[0]: u[6] for u in DEMO_USERS}
    for first, last in SALES_NAMES:
        roles[_sales_username(first, last)] = "sales"
    return roles


def _sales_username(first: str, last: str) -> str:
    ascii_last = last.replace("ü", "ue").replace("'", "").lower()
    return f"{first.lower()}.{ascii_last}@demo.test"


def seed_security(org: Org, *, admin_name: str = "Demo Org") -> list[str]:
    """Create the org row, profiles, permission sets, users, passwords and sharing; return sales user Ids."""
    schema = org.schema
    org_id = org.insert_system("Organization", [{
        "Name": admin_name, "InstanceName": "LOCAL", "IsSandbox": False, "OrganizationType": "Enterprise Edition",
        "DefaultLocaleSidKey": "en_US", "Country": "United States", "Division": None}])[0]
    profile_ids = org.insert_system("Profile", [{
        "Name": name, "UserType": "Standard", "PermissionsApiEnabled": api, "PermissionsViewSetup": setup,
        "PermissionsModifyAllData": name == ADMIN_PROFILE, "PermissionsViewAllData": name == ADMIN_PROFILE,
        "Description": f"{name} (localorg demo)"} for name, (api, setup, *_rest) in PROFILES.items()])
    profiles = dict(zip(PROFILES, profile_ids, strict=True))
    owned = org.insert_system("PermissionSet", [{
        "Name": "X00e" + pid[3:15], "Label": name, "IsOwnedByProfile": True, "ProfileId": pid,
        "PermissionsApiEnabled": PROFILES[name][0], "PermissionsViewSetup": PROFILES[name][1],
        "PermissionsModifyAllData": name == ADMIN_PROFILE, "PermissionsViewAllData": name == ADMIN_PROFILE}
        for name, pid in profiles.items()])
    extra = org.insert_system("PermissionSet", [{
        "Name": name, "Label": label, "IsOwnedByProfile": False, "PermissionsApiEnabled": api,
        "PermissionsViewSetup": setup, "PermissionsModifyAllData": False, "PermissionsViewAllData": False}
        for name, (label, api, setup) in PERMISSION_SETS.items()])
    psets = dict(zip(PERMISSION_SETS, extra, strict=True))
    obj_rows, fls_rows = [], []
    for (_name, (_api, _setup, ops, fls_edit, no_edit)), ps_id in zip(PROFILES.items(), owned, strict=True):
        for sobject in (*DATA_OBJECTS, "User"):
            granted = ("read",) if sobject == "User" else ops
            obj_rows.append({"ParentId": ps_id, "SobjectType": sobject,
                             **{col: op in granted for op, col in OP_FIELDS.items()}})
            if sobject == "User":
                continue
            for f in schema.get(sobject).fields:  # type: ignore[union-attr]
                key = f"{sobject}.{f['name']}"
                if f.get("permissionable"):
                    edit = fls_edit and "edit" in ops and key not in no_edit and f["updateable"]
                    fls_rows.append({"ParentId": ps_id, "SobjectType": sobject, "Field": key,
                                     "PermissionsRead": True, "PermissionsEdit": bool(edit)})
    org.insert_system("ObjectPermissions", obj_rows)
    org.insert_system("FieldPermissions", fls_rows)

    people = [(u, f, last, p, a, x) for u, f, last, p, a, x, _r in DEMO_USERS]
    people += [(_sales_username(f, last), f, last, "Standard User", True, ()) for f, last in SALES_NAMES]
    user_ids = org.insert_system("User", [{
        "Username": u, "FirstName": f, "LastName": last, "Name": f"{f} {last}", "Email": u, "IsActive": a,
        "Alias": (f[0] + last)[:8].lower(), "CommunityNickname": u.split("@")[0], "ProfileId": profiles[p],
        "TimeZoneSidKey": "Europe/London", "UserType": "Standard", "CompanyName": admin_name,
        "Title": "Account Executive" if p == "Standard User" else None} for u, f, last, p, a, _x in people])
    assignments = []
    for (_username, _f, _l, profile, _a, extras), uid in zip(people, user_ids, strict=True):
        assignments.append({"AssigneeId": uid, "PermissionSetId": owned[list(PROFILES).index(profile)],
                            "IsActive": True})
        assignments += [{"AssigneeId": uid, "PermissionSetId": psets[x], "IsActive": True} for x in extras]
    org.insert_system("PermissionSetAssignment", assignments)
    # Every demo user has the same published password: one salted hash serves them all.
    shared = hash_password(DEMO_PASSWORD)
    org.set_password_hashes({uid: shared for uid in user_ids})
    by_name = dict(zip([p[0] for p in people], user_ids, strict=True))
    for sobject in ("Organization", "Profile", "PermissionSet", "ObjectPermissions", "User"):
        for column in ("CreatedById", "LastModifiedById"):
            org.store.fill_nulls(sobject, column, by_name["admin@demo.test"])
    org.set_sharing("Lead", "Private")
    shares = []
    for grantee in ("integration@demo.test", "restricted@demo.test", "inactive@demo.test"):
        for owner, oid in by_name.items():
            if owner not in PRIVATE_OWNERS and owner != grantee:
                shares.append(("Lead", oid, by_name[grantee], "Edit"))
    org.store.add_shares(shares)
    org.security_changed()
    assert org_id
    return [by_name[_sales_username(f, last)] for f, last in SALES_NAMES]
