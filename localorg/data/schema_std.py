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
  cf=Compound  a component of the compound field Compound (an address or geolocation)
Picklist labels that differ from their values come from PICKLIST_LABELS.
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
IsDeleted boolean - sys
MasterRecordId reference 18 ro ->Lead:MasterRecord
LastName string 80 req
FirstName string 40
Salutation picklist 40 pl=Salutation
Name string 121 ro name idl
Title string 128
Company string 255 req
Street textarea 255 cf=Address
City string 40 cf=Address
State string 80 cf=Address
PostalCode string 20 cf=Address
Country string 80 cf=Address
Latitude double 18.15 cf=Address
Longitude double 18.15 cf=Address
GeocodeAccuracy picklist 40 restricted pl=GeocodeAccuracy cf=Address
Address address - ro
Phone phone 40
MobilePhone phone 40
Fax phone 40
Email email 80 idl
Website url 255
PhotoUrl url 255 ro
Description textarea 32000
LeadSource picklist 255 pl=LeadSource
Status picklist 255 req defaulted pl=LeadStatus def=Open - Not Contacted
Industry picklist 40 pl=Industry
Rating picklist 255 pl=Rating
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
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys
LastActivityDate date - sys
DoNotCall boolean
HasOptedOutOfFax boolean
LastViewedDate datetime - ro
LastReferencedDate datetime - ro
LastTransferDate date - ro
Jigsaw string 20
JigsawContactId string 20 ro
CleanStatus picklist 40 restricted pl=CleanStatus
CompanyDunsNumber string 9
EmailBouncedReason string 255
EmailBouncedDate datetime

@Account|001|Account|Accounts|c u d
Id id 18 sys idl
IsDeleted boolean - sys
MasterRecordId reference 18 ro ->Account:MasterRecord
Name string 255 req name idl
Type picklist 255 pl=AccountType
ParentId reference 18 ->Account:Parent
BillingStreet textarea 255 cf=BillingAddress
BillingCity string 40 cf=BillingAddress
BillingState string 80 cf=BillingAddress
BillingPostalCode string 20 cf=BillingAddress
BillingCountry string 80 cf=BillingAddress
BillingLatitude double 18.15 cf=BillingAddress
BillingLongitude double 18.15 cf=BillingAddress
BillingGeocodeAccuracy picklist 40 restricted pl=GeocodeAccuracy cf=BillingAddress
BillingAddress address - ro
ShippingStreet textarea 255 cf=ShippingAddress
ShippingCity string 40 cf=ShippingAddress
ShippingState string 80 cf=ShippingAddress
ShippingPostalCode string 20 cf=ShippingAddress
ShippingCountry string 80 cf=ShippingAddress
ShippingLatitude double 18.15 cf=ShippingAddress
ShippingLongitude double 18.15 cf=ShippingAddress
ShippingGeocodeAccuracy picklist 40 restricted pl=GeocodeAccuracy cf=ShippingAddress
ShippingAddress address - ro
Phone phone 40
Fax phone 40
AccountNumber string 40
Website url 255
PhotoUrl url 255 ro
Sic string 20
Industry picklist 40 pl=Industry
AnnualRevenue currency 18.0
NumberOfEmployees int 8
Ownership picklist 255 pl=Ownership
TickerSymbol string 20
Description textarea 32000
Rating picklist 255 pl=Rating
Site string 80
OwnerId reference 18 req defaulted ->User:Owner
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys
LastActivityDate date - sys
LastViewedDate datetime - ro
LastReferencedDate datetime - ro
Jigsaw string 20
JigsawCompanyId string 20 ro
CleanStatus picklist 40 restricted pl=CleanStatus
AccountSource picklist 255 pl=LeadSource
DunsNumber string 9
Tradestyle string 255
NaicsCode string 8
NaicsDesc string 120
YearStarted string 4
SicDesc string 80

@Contact|003|Contact|Contacts|c u d
Id id 18 sys idl
IsDeleted boolean - sys
MasterRecordId reference 18 ro ->Contact:MasterRecord
AccountId reference 18 ->Account:Account
LastName string 80 req
FirstName string 40
Salutation picklist 40 pl=Salutation
Name string 121 ro name idl
OtherStreet textarea 255 cf=OtherAddress
OtherCity string 40 cf=OtherAddress
OtherState string 80 cf=OtherAddress
OtherPostalCode string 20 cf=OtherAddress
OtherCountry string 80 cf=OtherAddress
OtherLatitude double 18.15 cf=OtherAddress
OtherLongitude double 18.15 cf=OtherAddress
OtherGeocodeAccuracy picklist 40 restricted pl=GeocodeAccuracy cf=OtherAddress
OtherAddress address - ro
MailingStreet textarea 255 cf=MailingAddress
MailingCity string 40 cf=MailingAddress
MailingState string 80 cf=MailingAddress
MailingPostalCode string 20 cf=MailingAddress
MailingCountry string 80 cf=MailingAddress
MailingLatitude double 18.15 cf=MailingAddress
MailingLongitude double 18.15 cf=MailingAddress
MailingGeocodeAccuracy picklist 40 restricted pl=GeocodeAccuracy cf=MailingAddress
MailingAddress address - ro
Phone phone 40
Fax phone 40
MobilePhone phone 40
HomePhone phone 40
OtherPhone phone 40
AssistantPhone phone 40
ReportsToId reference 18 ->Contact:ReportsTo
Email email 80 idl
Title string 128
Department string 80
AssistantName string 40
LeadSource picklist 255 pl=LeadSource
Birthdate date
Description textarea 32000
OwnerId reference 18 req defaulted ->User:Owner
HasOptedOutOfEmail boolean
HasOptedOutOfFax boolean
DoNotCall boolean
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys
LastActivityDate date - sys
LastCURequestDate datetime - ro
LastCUUpdateDate datetime - ro
LastViewedDate datetime - ro
LastReferencedDate datetime - ro
EmailBouncedReason string 255
EmailBouncedDate datetime
IsEmailBounced boolean - ro
PhotoUrl url 255 ro
Jigsaw string 20
JigsawContactId string 20 ro
CleanStatus picklist 40 restricted pl=CleanStatus

@Opportunity|006|Opportunity|Opportunities|c u d
Id id 18 sys idl
IsDeleted boolean - sys
AccountId reference 18 ->Account:Account
IsPrivate boolean
Name string 120 req name
Description textarea 32000
StageName picklist 255 req pl=StageName
Amount currency 18.2
Probability percent 3.0
ExpectedRevenue currency 18.2 ro
TotalOpportunityQuantity double 18.2
CloseDate date req
Type picklist 255 pl=OpportunityType
NextStep string 255
LeadSource picklist 255 pl=LeadSource
IsClosed boolean - ro
IsWon boolean - ro
ForecastCategory picklist 40 ro pl=ForecastCategoryCode
ForecastCategoryName picklist 255 pl=ForecastCategory
HasOpportunityLineItem boolean - ro
OwnerId reference 18 req defaulted ->User:Owner
CreatedDate datetime - sys
CreatedById reference 18 sys ->User:CreatedBy
LastModifiedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
SystemModstamp datetime - sys
LastActivityDate date - sys
PushCount int 9 ro
LastStageChangeDate datetime - ro
FiscalQuarter int 11 ro
FiscalYear int 11 ro
Fiscal string 6 ro
ContactId reference 18 ->Contact:Contact
LastViewedDate datetime - ro
LastReferencedDate datetime - ro
HasOpenActivity boolean - ro
HasOverdueTask boolean - ro

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
FiscalYearStartMonth int 2 ro
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

@RecordType|012|Record Type|Record Types|
Id id 18 sys idl
Name string 80 req name
DeveloperName string 80 req
NamespacePrefix string 15 ro
Description string 255
BusinessProcessId reference 18 ro ->BusinessProcess:BusinessProcess
SobjectType picklist 40 req pl=none
IsActive boolean
IsPersonType boolean - ro
CreatedById reference 18 sys ->User:CreatedBy
CreatedDate datetime - sys
LastModifiedById reference 18 sys ->User:LastModifiedBy
LastModifiedDate datetime - sys
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
    "ForecastCategoryCode": ["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"],
    "GeocodeAccuracy": ["Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip", "NearZip",
                        "Neighborhood", "City", "County", "State", "Unknown"],
    "CleanStatus": ["Matched", "Different", "Acknowledged", "NotFound", "Inactive", "Pending", "SelectMatch",
                    "Skipped"],
    "TimeZone": ["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin",
                 "Asia/Tokyo", "Australia/Sydney"],
    "UserType": ["Standard", "PowerPartner", "CspLitePortal", "CsnOnly", "Guest"],
    "Locale": ["en_US", "en_GB", "de_DE", "fr_FR", "ja_JP"],
    "OrganizationType": ["Team Edition", "Professional Edition", "Enterprise Edition",
                         "Developer Edition", "Personal Edition", "Unlimited Edition",
                         "Contact Manager Edition", "Base Edition"],
}

# Labels Salesforce shows for values that differ from the API value (toLabel() answers these).
PICKLIST_LABELS: dict[str, dict[str, str]] = {
    "CleanStatus": {"Matched": "In Sync", "Acknowledged": "Reviewed", "NotFound": "Not Found",
                    "Pending": "Not Compared", "SelectMatch": "Select Match"},
    "ForecastCategoryCode": {"BestCase": "Best Case", "Forecast": "Commit"},
    "GeocodeAccuracy": {"NearAddress": "Near Address", "ExtendedZip": "Extended Zip", "NearZip": "Near Zip"},
}
