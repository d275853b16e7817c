"""Identity payloads: /services/oauth2/userinfo (OpenID shape) and the /id/{org}/{user} URL (classic shape)."""
from __future__ import annotations

from typing import Any

LATEST = "66.0"


def _urls(app: Any, user: Any, version: str | None) -> dict[str, str]:
    base, org15 = app.instance_url, app.org.org_id[:15]
    v = LATEST if version == "latest" else (version or "{version}")
    data = f"{base}/services/data/v{v}"
    return {"enterprise": f"{base}/services/Soap/c/{v}/{org15}", "metadata": f"{base}/services/Soap/m/{v}/{org15}",
            "partner": f"{base}/services/Soap/u/{v}/{org15}", "rest": f"{data}/", "sobjects": f"{data}/sobjects/",
            "search": f"{data}/search/", "query": f"{data}/query/", "recent": f"{data}/recent/",
            "tooling_soap": f"{base}/services/Soap/T/{v}/{org15}", "tooling_rest": f"{data}/tooling/",
            "profile": f"{base}/{user.id}", "feeds": f"{data}/chatter/feeds", "groups": f"{data}/chatter/groups",
            "users": f"{data}/chatter/users", "feed_items": f"{data}/chatter/feed-items",
            "feed_elements": f"{data}/chatter/feed-elements", "custom_domain": base}


def _photos(app: Any, user: Any) -> dict[str, str]:
    return {"picture": f"{app.instance_url}/profilephoto/005/F", "thumbnail": f"{app.instance_url}/profilephoto/005/T"}


def userinfo_payload(app: Any, user: Any, version: str | None = None) -> dict[str, Any]:
    """What GET /services/oauth2/userinfo returns for this user."""
    ident = f"{app.login_url}/id/{app.org.org_id}/{user.id}"
    return {"sub": ident, "user_id": user.id, "organization_id": app.org.org_id,
            "preferred_username": user.username, "nickname": user.username.split("@")[0], "name": user.name,
            "email": user.email, "email_verified": True, "given_name": user.first_name,
            "family_name": user.last_name, "zoneinfo": "Etc/UTC", "photos": _photos(app, user),
            "profile": f"{app.instance_url}/{user.id}", "picture": _photos(app, user)["picture"],
            "address": {"country": "US"}, "is_salesforce_integration_user": False,
            "urls": _urls(app, user, version), "active": bool(user.active), "user_type": "STANDARD",
            "language": "en_US", "locale": "en_US", "utcOffset": 0, "updated_at": "2026-01-01T00:00:00Z",
            "is_app_installed": True}


def id_payload(app: Any, user: Any, version: str | None = None) -> dict[str, Any]:
    """What GET {id URL} returns for this user."""
    return {"id": f"{app.login_url}/id/{app.org.org_id}/{user.id}", "asserted_user": True, "user_id": user.id,
            "organization_id": app.org.org_id, "username": user.username,
            "nick_name": user.username.split("@")[0], "display_name": user.name, "email": user.email,
            "email_verified": True, "first_name": user.first_name, "last_name": user.last_name,
            "timezone": "Etc/UTC", "photos": _photos(app, user), "addr_street": None, "addr_city": None,
            "addr_state": None, "addr_country": "US", "addr_zip": None, "mobile_phone": None,
            "mobile_phone_verified": False, "is_lightning_login_user": False,
            "status": {"created_date": None, "body": None}, "urls": _urls(app, user, version),
            "active": bool(user.active), "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
            "utcOffset": 0, "last_modified_date": "2026-01-01T00:00:00.000+0000", "is_app_installed": True}
