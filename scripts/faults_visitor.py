"""The people of the fault drill: an analyst (token and pages) and an officer (sheets)."""

from __future__ import annotations

import http.cookiejar
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

from faults_stack import BASE, PASSWORD, SHEET_COLUMNS


class Visitor:
    """An analyst with a token for the API and a signed-in browser session for pages."""

    def __init__(self, token: str):
        self.token = token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _open(self, path: str, *, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(BASE + path, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def sign_in(self, username: str = "faults-analyst") -> None:
        self._open("/accounts/login/")
        status, _ = self._open(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self._csrf(),
            },
            headers={"Referer": BASE + "/accounts/login/"},
        )
        if status >= 400:
            raise RuntimeError(f"sign-in answered {status}")

    def api(self) -> int:
        status, body = self._open(
            "/api/v1/projects/?page_size=100", headers={"Authorization": f"Token {self.token}"}
        )
        if status == 200 and json.loads(body)["count"] < 1:
            return 599
        return status

    def page(self) -> int:
        return self._open("/projects/exports/")[0]

    def health(self) -> int:
        return self._open("/healthz")[0]

    def request_export(self, fmt: str = "csv") -> tuple[int, float]:
        started = time.monotonic()
        status, _ = self._open(
            "/projects/exports/",
            data={"format": fmt, "csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": BASE + "/projects/exports/"},
        )
        return status, time.monotonic() - started

    def upload_sheet(self, session: int, rows: int, tag: str) -> int:
        """Post an attendance sheet of ``rows`` new people (a job for the worker)."""
        lines = [",".join(SHEET_COLUMNS)]
        for n in range(rows):
            sex = "female" if n % 2 else "male"
            lines.append(f"Drill {tag} {n},{sex},,,police,,,,yes,,50")
        boundary = secrets.token_hex(12)
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{self._csrf()}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="drill.csv"\r\nContent-Type: text/csv\r\n\r\n'
            + "\n".join(lines)
            + f"\r\n--{boundary}--\r\n"
        ).encode()
        path = f"/trainings/{session}/import/"
        self._open(path)
        request = urllib.request.Request(  # noqa: S310 - our own server
            BASE + path,
            data=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": BASE + path,
            },
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def run_again_import(self, pk: int) -> int:
        return self._open(
            f"/trainings/imports/{pk}/run-again/",
            data={"csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": BASE + "/projects/"},
        )[0]

    def run_again(self, pk: int) -> int:
        return self._open(
            f"/projects/exports/{pk}/run-again/",
            data={"csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": BASE + "/projects/exports/"},
        )[0]
