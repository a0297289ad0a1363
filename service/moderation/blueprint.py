"""The UI blueprint, with the checks every request to it goes through."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .auth import check_csrf, current_user

bp = Blueprint("moderation", __name__, template_folder="templates", static_folder="static",
               static_url_path="/ui/static")


@bp.before_request
def _csrf():
    """Every state-changing request carries the session's CSRF token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not check_csrf():
        if request.is_json or request.path.startswith("/ui/"):
            response = jsonify({"error": "csrf_failed", "message": "missing or wrong CSRF token; reload the page"})
            response.status_code = 400
            return response
        abort(400, description="The form expired or was not sent by this site. Reload the page and try again.")
    return None


@bp.after_request
def _no_store(response):
    # Pages show personal data and one-time secrets: never cache them.
    if request.endpoint == "moderation.static":
        return response
    if current_user() is not None or request.endpoint == "moderation.login":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
