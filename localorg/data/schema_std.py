"""The built-in standard-object metadata as a compact table (parsed by localorg.data.schema).

Object line:  @Name|keyPrefix|Label|Plural|flags      flags: c u d (createable/updateable/deletable),
              setup (needs View Setup), virtual (computed per user, not stored)
Field line:   Name type [length|precision.scale|digits] [flags...]
  req      not nillable, required on create          sys   system field: not createable/updateable
  ro       read-only (computed by the org)           create createable but never updateable
  name     the object's name field                   uniq  unique   ext  external id   idl idLookup
  ->T1,T2:Rel  reference to T1 (and T2) with relationship name Rel
  pl=List  picklist values from PICKLISTS            def=Value  the default picklist value
  restricted  restricted picklist                    defaulted  defaultedOnCreate (not required)
"""
from __future__ import annotations

_SYSTEM = """\
IsDeleted boolean - sys
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys"""

TABLE = f"""
@Lead|00Q|Lead|Leads|c u d
Id id 18 sys idl
{_SYSTEM}
LastName string 80 req
FirstName string 40
Salutation picklist 255 pl=Salutation
Name string 121 ro name idl
Title string 128
Company string 255 req
Street textarea 255
City string 40
State string 80
PostalCode string 20
Country string 80
Phone phone 40
MobilePhone phone 40
Fax phone 40
Email email 80 idl
Website url 255
Description textarea 32000
LeadSource picklist 255 pl=LeadSource
Status picklist 255 req defaulted restricted pl=LeadStatus def=Open - Not Contacted
Industry picklist 40 pl=Industry
Rating picklist 255 restricted pl=Rating
AnnualRevenue currency 18.0
NumberOfEmployees int 8
OwnerId reference 18 req defaulted ->User,Group:Owner
HasOptedOutOfEmail boolean
IsConverted boolean - create
ConvertedDate date - sys
ConvertedAccountId reference 18 sys ->Account:ConvertedAccount
ConvertedContactId reference 18 sys ->Contact:ConvertedContact
ConvertedOpportunityId reference 18 sys ->Opportunity:ConvertedOpportunity
IsUnreadByOwner boolean
DoNotCall boolean
LastActivityDate date - sys

@Account|001|Account|Accounts|c u d
Id id 18 sys idl
{_SYSTEM}
Name string 255 req name idl
Type picklist 255 pl=AccountType
ParentId reference 18 ->Account:Parent
BillingStreet textarea 255
BillingCity string 40
BillingState string 80
BillingPostalCode string 20
BillingCountry string 80
ShippingStreet textarea 255
ShippingCity string 40
ShippingState string 80
ShippingPostalCode string 20
ShippingCountry string 80
Phone phone 40
Fax phone 40
AccountNumber string 40
Website url 255
Sic string 20
Industry picklist 40 pl=Industry
AnnualRevenue currency 18.0
NumberOfEmployees int 8
Ownership picklist 255 pl=Ownership
TickerSymbol string 20
Description textarea 32000
Rating picklist 255 restricted pl=Rating
Site string 80
OwnerId reference 18 req defaulted ->User:Owner
AccountSource picklist 255 pl=LeadSource
LastActivityDate date - sys

@Contact|003|Contact|Contacts|c u d
Id id 18 sys idl
{_SYSTEM}
AccountId reference 18 ->Account:Account
LastName string 80 req
FirstName string 40
Salutation picklist 255 pl=Salutation
Name string 121 ro name idl
MailingStreet textarea 255
MailingCity string 40
MailingState string 80
MailingPostalCode string 20
MailingCountry string 80
Phone phone 40
Fax phone 40
MobilePhone phone 40
HomePhone phone 40
Email email 80 idl
Title string 128
Department string 80
LeadSource picklist 255 pl=LeadSource
Birthdate date
Description textarea 32000
OwnerId reference 18 req defaulted ->User:Owner
HasOptedOutOfEmail boolean
DoNotCall boolean
LastActivityDate date - sys

@Opportunity|006|Opportunity|Opportunities|c u d
Id id 18 sys idl
{_SYSTEM}
AccountId reference 18 ->Account:Account
Name string 120 req name
Description textarea 32000
StageName picklist 255 req pl=StageName
Amount currency 18.2
Probability percent 3.0
CloseDate date req
Type picklist 255 pl=OpportunityType
NextStep string 255
LeadSource picklist 255 pl=LeadSource
IsClosed boolean - ro
IsWon boolean - ro
ForecastCategoryName picklist 255 pl=ForecastCategory
OwnerId reference 18 req defaulted ->User:Owner
LastActivityDate date - sys

@User|005|User|Users|
Id id 18 sys idl
{_SYSTEM}
Username string 80 req uniq idl
LastName string 80 req
FirstName string 40
Name string 121 ro name idl
CompanyName string 80
Division string 80
Department string 80
Title string 80
Email email 128 req
Phone phone 40
Alias string 8 req
CommunityNickname string 40 req
IsActive boolean
TimeZoneSidKey picklist 40 req pl=TimeZone
ProfileId reference 18 req ->Profile:Profile
UserType picklist 40 ro pl=UserType
LastLoginDate datetime - sys

@Organization|00D|Organization|Organizations|
Id id 18 sys idl
Name string 80 req name
Division string 80
Street textarea 255
City string 40
State string 80
PostalCode string 20
Country string 80
Phone phone 40
PrimaryContact string 80
DefaultLocaleSidKey picklist 40 req pl=Locale
InstanceName string 5 ro
IsSandbox boolean - ro
OrganizationType picklist 40 ro pl=OrganizationType
NamespacePrefix string 15 ro
TrialExpirationDate datetime - ro
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys

@Profile|00e|Profile|Profiles|setup
Id id 18 sys idl
Name string 255 req name
Description string 255
UserType picklist 40 ro pl=UserType
UserLicenseId reference 18 ro ->UserLicense:UserLicense
PermissionsApiEnabled boolean
PermissionsViewSetup boolean
PermissionsModifyAllData boolean
PermissionsViewAllData boolean
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys

@PermissionSet|0PS|Permission Set|Permission Sets|setup
Id id 18 sys idl
Name string 80 req idl
Label string 80 req name
Description string 255
IsOwnedByProfile boolean - ro
ProfileId reference 18 ro ->Profile:Profile
NamespacePrefix string 15 ro
PermissionsApiEnabled boolean
PermissionsViewSetup boolean
PermissionsModifyAllData boolean
PermissionsViewAllData boolean
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys

@PermissionSetAssignment|0Pa|Permission Set Assignment|Permission Set Assignments|setup
Id id 18 sys idl
AssigneeId reference 18 req create ->User:Assignee
PermissionSetId reference 18 req create ->PermissionSet:PermissionSet
PermissionSetGroupId reference 18 ro ->PermissionSetGroup:PermissionSetGroup
IsActive boolean - ro
SystemModstamp datetime - sys

@ObjectPermissions|110|Object Permission|Object Permissions|setup
Id id 18 sys idl
ParentId reference 18 req create ->PermissionSet:Parent
SobjectType picklist 40 req create pl=none
PermissionsCreate boolean
PermissionsRead boolean
PermissionsEdit boolean
PermissionsDelete boolean
PermissionsViewAllRecords boolean
PermissionsModifyAllRecords boolean
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys

@FieldPermissions|01k|Field Permission|Field Permissions|setup
Id id 18 sys idl
ParentId reference 18 req create ->PermissionSet:Parent
SobjectType picklist 40 req create pl=none
Field string 255 req create
PermissionsEdit boolean
PermissionsRead boolean
SystemModstamp datetime - sys

@UserPermissionAccess|0Ux|User Permission Access|User Permission Access|virtual
Id id 18 sys idl
PermissionsApiEnabled boolean - ro
PermissionsViewSetup boolean - ro
PermissionsModifyAllData boolean - ro
PermissionsViewAllData boolean - ro
LastCacheUpdate datetime - ro
"""

PICKLISTS: dict[str, list[str]] = {
    "none": [],
    "Salutation": ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx."],
    "LeadSource": ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"],
    "LeadStatus": ["Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                   "Closed - Not Converted"],
    "Industry": ["Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
                 "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
                 "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government",
                 "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media",
                 "Not For Profit", "Other", "Recreation", "Retail", "Shipping", "Technology",
                 "Telecommunications", "Transportation", "Utilities"],
    "Rating": ["Hot", "Warm", "Cold"],
    "AccountType": ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
                    "Installation Partner", "Technology Partner", "Other"],
    "Ownership": ["Public", "Private", "Subsidiary", "Other"],
    "StageName": ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
                  "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
                  "Negotiation/Review", "Closed Won", "Closed Lost"],
    "OpportunityType": ["Existing Customer - Upgrade", "Existing Customer - Replacement",
                        "Existing Customer - Downgrade", "New Customer"],
    "ForecastCategory": ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"],
    "TimeZone": ["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin",
                 "Asia/Tokyo", "Australia/Sydney"],
    "UserType": ["Standard", "PowerPartner", "CspLitePortal", "CsnOnly", "Guest"],
    "Locale": ["en_US", "en_GB", "de_DE", "fr_FR", "ja_JP"],
    "OrganizationType": ["Team Edition", "Professional Edition", "Enterprise Edition",
                         "Developer Edition", "Personal Edition", "Unlimited Edition",
                         "Contact Manager Edition", "Base Edition"],
}
