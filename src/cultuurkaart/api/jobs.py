from ninja import Router

from cultuurkaart.core import jobs
from cultuurkaart.core.models import JobTrigger

from .base import errors
from .permissions import require
from .schemas import JobResult

router = Router(tags=["jobs"])


@router.post(
    "/admin/jobs/{name}",
    response={200: JobResult, **errors(401, 403, 404, 409, 413, 422)},
    openapi_extra={
        "requestBody": {
            "required": False,
            "description": "The job's parameters, if it takes any.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def run_job(request, name: str):
    """Run a scheduled job now (honours X-Clock). The body holds the job's parameters.
    While the same job runs elsewhere this call waits for it; 409 `job-running` when it
    still runs after a minute."""
    import json

    require(request, "core.run_jobs")
    try:
        params = json.loads(request.body or b"{}") if request.body else {}
    except ValueError:
        params = {}
    if not isinstance(params, dict):
        params = {}
    return jobs.run(name, params, trigger=JobTrigger.API, actor=request.user, wait=True)
