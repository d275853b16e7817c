"""`/limits` with the entries a current Enterprise org reports (served by localorg.api.rest, with recordCount)."""
from __future__ import annotations

from typing import Any

from localorg.app import App, Ctx
from localorg.httpcore import RestError

RECORD_KB = 2  # Salesforce counts most records as 2 KB of data storage
DATA_STORAGE_MB = 1024
# Static maxima of a current Enterprise Edition org (Spring '26), alphabetical as /limits answers them.
STATIC: dict[str, int] = {
    "ActiveScratchOrgs": 3, "AnalyticsExternalDataSizeMB": 40960, "ConcurrentAsyncGetReportInstances": 200,
    "ConcurrentEinsteinDataInsightsStoryCreation": 5, "ConcurrentEinsteinDiscoveryStoryCreation": 2,
    "ConcurrentSyncReportRuns": 20, "DailyAnalyticsDataflowJobExecutions": 60,
    "DailyAnalyticsUploadedFilesSizeMB": 51200, "DailyAsyncApexExecutions": 250000, "DailyAsyncApexTests": 500,
    "DailyBulkApiBatches": 15000, "DailyBulkV2QueryFileStorageMB": 976562, "DailyDeliveredPlatformEvents": 50000,
    "DailyDurableGenericStreamingApiEvents": 10000, "DailyDurableStreamingApiEvents": 10000,
    "DailyEinsteinDataInsightsStoryCreation": 1000, "DailyEinsteinDiscoveryPredictAPICalls": 50000,
    "DailyEinsteinDiscoveryPredictionsByCDC": 500000, "DailyEinsteinDiscoveryStoryCreation": 100,
    "DailyFunctionsApiCallLimit": 235000, "DailyGenericStreamingApiEvents": 10000, "DailyScratchOrgs": 6,
    "DailyStandardVolumePlatformEvents": 10000, "DailyStreamingApiEvents": 10000, "DailyWorkflowEmails": 2000,
    "DurableStreamingApiConcurrentClients": 1000, "FileStorageMB": 1024,
    "HourlyAsyncReportRuns": 1200, "HourlyDashboardRefreshes": 200, "HourlyDashboardResults": 5000,
    "HourlyDashboardStatuses": 999999999, "HourlyLongTermIdMapping": 100000,
    "HourlyManagedContentPublicRequests": 50000, "HourlyODataCallout": 10000, "HourlyPublishedPlatformEvents": 250000,
    "HourlyPublishedStandardVolumePlatformEvents": 100000, "HourlyShortTermIdMapping": 100000,
    "HourlySyncReportRuns": 500, "HourlyTimeBasedWorkflow": 1000, "MassEmail": 5000,
    "MonthlyEinsteinDiscoveryStoryCreation": 500, "MonthlyPlatformEventsUsageEntitlement": 300000,
    "Package2VersionCreates": 6, "Package2VersionCreatesWithoutValidation": 500, "PermissionTypes": 30,
    "PrivateConnectOutboundCalloutHourlyLimitMB": 0, "PublishCallbackUsageInApex": 5000000, "SingleEmail": 5000,
    "StreamingApiConcurrentClients": 1000,
}


def record_counts(app: App) -> dict[str, int]:
    """Live (not deleted) records per stored object that has any, in schema order."""
    out = {}
    for obj in app.org.schema.objects.values():
        if obj.virtual or not obj.queryable:
            continue
        count = app.org.store.live_count(obj.name)
        if count:
            out[obj.name] = count
    return out


def limits_payload(app: App) -> dict[str, Any]:
    """Every /limits entry: the API budget and Bulk 2.0 jobs as spent, data storage from the records held."""
    store = app.store
    used_mb = (sum(record_counts(app).values()) * RECORD_KB + 1023) // 1024
    live = {
        "DailyApiRequests": {"Max": store.api_limit, "Remaining": max(0, store.api_limit - store.api_used)},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": max(0, 10000 - app.state.get("bulk_query_jobs_today", 0))},
        "DataStorageMB": {"Max": DATA_STORAGE_MB, "Remaining": max(0, DATA_STORAGE_MB - used_mb)},
    }
    entries = {name: {"Max": top, "Remaining": top} for name, top in STATIC.items()}
    entries.update(live)
    return dict(sorted(entries.items()))


def require_view_setup(ctx: Ctx) -> None:
    """/limits needs View Setup and Configuration, as in Salesforce."""
    if not getattr(ctx.user, "view_setup", False):
        raise RestError(403, "INSUFFICIENT_ACCESS",
                        "You don't have the View Setup and Configuration permission needed to view org limits.")

