"""What an administration form's POST answers: the use case done, a 303 to the page that says so; refused,
the same page again with the refusal in the user's language, nothing of the request's writes kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from huikuan.errors import HuikuanError, InvalidInput
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ui.common import request_locale

T = TypeVar("T")


def submit(
    request: Request,
    uow: UnitOfWork,
    action: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    refused: Callable[[str], Response],
    catch: tuple[type[HuikuanError], ...] = (InvalidInput,),
) -> Response:
    """Runs `action` (a service call with the form's values). If it raises one of `catch`, the unit of work
    is rolled back and `refused(message)` answers, with the error translated for the request; otherwise a
    303 goes to `done`, an address whose `?done=` names the notice to show (or made from the result, for a
    thing just created)."""
    try:
        result = action()
    except catch as exc:
        uow.rollback()
        return refused(exc.translated(request_locale(request)))
    return RedirectResponse(done if isinstance(done, str) else done(result), status_code=303)
