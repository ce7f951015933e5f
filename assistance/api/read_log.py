"""Every API read of case data goes into the case data read log, like identity reads do."""

from __future__ import annotations

from ctportal.api import PortalPagination

from ..audit.services import case_read_record

READS = {"GET", "HEAD"}
# Identities have their own log (IdentityAccess), written by identity_read.
LOGGED_ELSEWHERE = {"identity"}


class LogsCaseReads:
    """Mix into an API view whose answers carry case data; each read is logged.

    ``case_key`` names the field of a row that holds its case's id (None: the
    rows are cases). Refused reads (404, 400) are logged too, without ids.
    """

    case_key: str | None = "case"

    def _known_params(self) -> set[str]:
        names = {"format", "ordering"}
        names |= {PortalPagination.page_query_param, PortalPagination.page_size_query_param}
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None:
            names |= set(filterset.base_filters)
        return names

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        user = getattr(request, "user", None)
        if (
            request.method in READS
            and user is not None
            and user.is_authenticated
            and getattr(self, "action", None) not in LOGGED_ELSEWHERE
        ):
            match = request.resolver_match
            case_read_record(
                request=request,
                user=user,
                endpoint=match.url_name if match is not None else request.path,
                status_code=response.status_code,
                data=getattr(response, "data", None),
                known_params=self._known_params(),
                case_key=self.case_key,
            )
        return response
