"""The REST API other tools use to send agent ratings and corrections: `POST /api/ratings`, `POST /api/corrections`.

Authenticated with an agent's API token (`Authorization: Bearer slt_...`, from `supportloop agents token
NAME`); everything is attributed to that agent. Writes go through FeedbackLog, so a 202 means the event is
durable (fsync'd in the journal); it becomes visible to readers when the ingester applies it (about a
second). Idempotent: the client's `id` is the key, namespaced per agent, so a retried request is stored once.
Bad input gets a 4xx naming the problem: 401 (token), 404 (unknown turn), 422 (everything else).
"""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator, model_validator

from feedback.agents import AgentServices
from feedback.errors import FeedbackBusy, InvalidEvent, JournalError
from feedback.reader import open_reader
from feedback.records import AgentRecord, TurnRecord
from feedback.validation import COMMENT_MAX_CHARS, CORRECTION_TEXT_MAX_CHARS

CLIENT_ID_MAX_CHARS = 100


class _StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # The store strips control characters from chat text; API clients are programs, so tell them instead.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character (\\u0000); remove it")
        return value


class RatingIn(_StrictModel):
    """An agent's rating of one assistant answer: `stars` 1-5, or `thumbs` true/false (exactly one)."""
    id: str = Field(min_length=1, max_length=CLIENT_ID_MAX_CHARS, pattern=r"^[\x21-\x7e]+$",
                    description="Your idempotency key (printable ASCII, no spaces); a retry with the same id is stored once.")
    turn_id: str = Field(min_length=1, max_length=200, description="The assistant turn being rated.")
    stars: Optional[StrictInt] = Field(None, ge=1, le=5, description="1 (bad) to 5 (perfect).")
    thumbs: Optional[StrictBool] = Field(None, description="true = thumbs up, false = thumbs down.")
    comment: str = Field("", max_length=COMMENT_MAX_CHARS, description="Optional remark, plain text.")

    @model_validator(mode="after")
    def _stars_xor_thumbs(self) -> "RatingIn":
        if (self.stars is None) == (self.thumbs is None):
            raise ValueError("give exactly one of 'stars' (1-5) or 'thumbs' (true/false)")
        return self


class CorrectionIn(_StrictModel):
    """The answer the bot should have given for one assistant turn (training material)."""
    id: str = Field(min_length=1, max_length=CLIENT_ID_MAX_CHARS, pattern=r"^[\x21-\x7e]+$",
                    description="Your idempotency key (printable ASCII, no spaces); a retry with the same id is stored once.")
    turn_id: str = Field(min_length=1, max_length=200, description="The assistant turn being corrected.")
    text: str = Field(min_length=1, max_length=CORRECTION_TEXT_MAX_CHARS, description="The corrected answer, plain text.")


class Accepted(BaseModel):
    id: str = Field(description="Your id, echoed.")
    stored_id: str = Field(description="The id in the feedback store (your id namespaced by agent).")
    agent: str = Field(description="Name of the agent the event is attributed to.")
    status: str = Field("accepted", description="Durable; visible to readers after the next ingest (about a second).")


_bearer = HTTPBearer(auto_error=False, description="An agent API token from `supportloop agents token NAME`.")


def build_api_router(services: AgentServices) -> APIRouter:
    """The `/api` router; include it in the app with `app.include_router(router)`."""
    router = APIRouter(prefix="/api", tags=["feedback"])

    def current_agent(credentials: Optional[HTTPAuthorizationCredentials] = Depends(_bearer)) -> AgentRecord:
        agent = services.directory.by_token(credentials.credentials) if credentials else None
        if agent is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"},
                                detail="missing, unknown or disabled API token: send 'Authorization: Bearer <token>' "
                                       "with a token from `supportloop agents token NAME`")
        return agent

    @router.post("/ratings", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
                 responses={401: {"description": "bad token"}, 404: {"description": "unknown turn"}},
                 summary="Rate an assistant answer as an agent")
    def post_rating(rating: RatingIn, agent: AgentRecord = Depends(current_agent)) -> Accepted:
        _assistant_turn(services, rating.turn_id)
        stored_id = f"api:{agent.id}:{rating.id}"
        _durably(lambda: services.feedback_log.log_rating(rating.turn_id, "agent", agent.id, stars=rating.stars,
                                                          thumbs=rating.thumbs, comment=rating.comment,
                                                          rating_id=stored_id))
        return Accepted(id=rating.id, stored_id=stored_id, agent=agent.name)

    @router.post("/corrections", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
                 responses={401: {"description": "bad token"}, 404: {"description": "unknown turn"}},
                 summary="Give the answer the bot should have given")
    def post_correction(correction: CorrectionIn, agent: AgentRecord = Depends(current_agent)) -> Accepted:
        _assistant_turn(services, correction.turn_id)
        stored_id = f"api:{agent.id}:{correction.id}"
        _durably(lambda: services.feedback_log.log_correction(correction.turn_id, agent.id, correction.text,
                                                              correction_id=stored_id))
        return Accepted(id=correction.id, stored_id=stored_id, agent=agent.name)

    return router


def _assistant_turn(services: AgentServices, turn_id: str) -> TurnRecord:
    """The turn, looked up in the database and, if not there yet, after applying the journals (a turn the
    chat logged a moment ago may still be only in a journal); 404 / 422 otherwise."""
    try:
        turn = None
        for ingest_first in (False, True):
            with open_reader(services.db_path, timeout_s=services.reader_timeout_s, ingest_first=ingest_first) as store:
                turn = store.turn(turn_id)
            if turn is not None:
                break
    except FeedbackBusy as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"feedback store busy, retry: {exc}") from None
    if turn is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown turn {turn_id!r}")
    if turn.role != "assistant":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"turn {turn_id!r} is a {turn.role} message; only assistant answers can be "
                                   f"rated or corrected")
    return turn


def _durably(write) -> None:
    try:
        write()
    except InvalidEvent as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    except JournalError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"not stored, retry: {exc}") from None
