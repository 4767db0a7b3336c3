from ninja import Router

from cultuurkaart.core import jobs

from .permissions import require

router = Router(tags=["jobs"])


@router.post("/admin/jobs/{name}", response=dict)
def run_job(request, name: str):
    """Run a scheduled job now (honours X-Clock). The body holds the job's parameters."""
    import json

    require(request, "core.run_jobs")
    try:
        params = json.loads(request.body or b"{}") if request.body else {}
    except ValueError:
        params = {}
    if not isinstance(params, dict):
        params = {}
    return jobs.run(name, params)
