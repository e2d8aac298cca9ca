"""The API's OpenAPI 3.1 document, served at /api/openapi.json.

(Longer than 300 lines because it is one declarative document, kept whole beside the code it
describes; it holds no logic.)

Written as Python data, next to the code it describes, so one edit changes both; the
tests validate every response they get against it (jsonschema, $refs resolved), so it
cannot drift from what the server sends. The tool results are owned by helpbot.tools:
their schemas require the documented keys and allow more.
"""

from __future__ import annotations

from typing import Any

from helpbot.models import AUDIENCES, REPLY_KINDS, TOOL_NAMES

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def obj(properties: dict[str, Any], required: list[str] | None = None, *, closed: bool = True,
        description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else required}
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUM = {"type": ["number", "null"]}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STRS = {"type": "array", "items": STR}
DATE = {"type": "string", "format": "date"}
SESSION = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$",
           "description": "Keeps a conversation: send back the session_id of the last reply."}
# Optional request fields may be sent as null, which means the same as leaving them out.
OPTIONAL_SESSION = {**SESSION, "type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
# Money: a JSON number, or text such as "3,000.50" (the tool reads it; 0 < amount <= 1e12).
AMOUNT = {"type": ["number", "string"], "exclusiveMinimum": 0, "maximum": 1_000_000_000_000}
HOLIDAYS = {"type": ["string", "array", "object", "null"],
            "description": "A country code such as HK, a list of ISO dates (or an object whose keys are "
                           "dates), or null for none."}
# Examples (entries of the bundled knowledge base) let the fuzzer reach past "no such entry".
ENTRY_ID = {**STR, "examples": ["tt-payment-arrival-time", "tt-swift-code-not-recognised"]}
METHOD = {**STR, "examples": ["tt", "boleto", "credit_card", "western_union", "domestic_wire"]}
DEFAULT_MAX_QUESTION_CHARS = 500
MAX_COMMENT_CHARS = 1000


TEXT = {"type": "string", "description": "The result in words, as the chat says it (one date format)."}


def _schemas(max_question_chars: int) -> dict[str, Any]:
    suggestion = obj({"entry_id": STR, "title": STR})
    return {
        "Error": obj({"error": obj({"code": {**STR, "description": "Stable machine-readable code."},
                                    "message": {**STR, "description": "What went wrong and how to fix it, "
                                                                      "in words a buyer reads."},
                                    "field": {**STR, "description": "The parameter at fault (tool input "
                                                                    "errors)."}}, ["code", "message"])}),
        "AskRequest": obj({"question": {**STR, "minLength": 1, "maxLength": max_question_chars, "pattern": r"\S",
                                        "description": f"1 to HELPBOT_MAX_QUESTION_CHARS ({max_question_chars}) "
                                                       "characters, not only spaces."},
                           "session_id": OPTIONAL_SESSION}, ["question"], closed=False),
        "Suggestion": suggestion,
        "Reply": obj({
            "kind": {"enum": list(REPLY_KINDS)},
            "text": {**STR, "description": "Plain text; lines starting '1. ' are numbered steps."},
            "entry_id": NULLABLE_STR,
            "confidence": {**NUM, "minimum": 0, "maximum": 1},
            "tool": {"enum": [*TOOL_NAMES, None]},
            "result": {"type": ["object", "null"], "description": "The tool's result when kind is 'tool'."},
            "suggestions": {"type": "array", "items": ref("Suggestion"),
                            "description": "Quick replies: send a title back as the next question."},
            "intent": NULLABLE_STR,
            "secret_next": {**BOOL, "description": "The reply asks for a password: show the next input hidden; "
                                                   "it is never stored or echoed."},
            "session_id": SESSION,
        }),
        "Hit": obj({"entry_id": STR, "title": STR, "answer": STR, "score": {**NUM, "minimum": 0, "maximum": 1},
                    "category": STR}),
        "SearchResult": obj({"hits": {"type": "array", "items": ref("Hit")}}),
        "EntrySummary": obj({"id": STR, "title": STR, "category": STR, "audience": {"enum": list(AUDIENCES)},
                             "tool": {"enum": [*TOOL_NAMES, None]}}),
        "EntryList": obj({
            "entries": {"type": "array", "items": ref("EntrySummary")},
            "categories": {"type": "array", "items": obj({"name": STR, "count": INT})},
        }),
        "Entry": obj({
            "id": STR, "title": STR, "category": STR, "audience": {"enum": list(AUDIENCES)},
            "questions": STRS, "answer": STR,
            "source_lines": {"type": "array", "items": {"type": "array", "items": INT, "minItems": 2, "maxItems": 2},
                             "description": "[first, last] line ranges of knowledge/source/help-center.txt."},
            "tags": STRS, "related": STRS, "tool": {"enum": [*TOOL_NAMES, None]}, "learned": STRS,
            "related_entries": {"type": "array", "items": ref("Suggestion")},
            "source_text": {"type": "array", "items": obj({"start": INT, "end": INT, "text": STR})},
        }),
        "FeedbackRequest": obj({"session_id": SESSION, "entry_id": ENTRY_ID, "helpful": BOOL,
                                "comment": {"type": ["string", "null"], "maxLength": MAX_COMMENT_CHARS}},
                               ["session_id", "entry_id", "helpful"], closed=False),
        "FeedbackSaved": obj({"saved": {"const": True}}),
        "HandoffRequest": obj({"session_id": SESSION, "question": {
            "type": ["string", "null"],
            "description": "The visitor's last question (context only: cut to HELPBOT_MAX_QUESTION_CHARS)."}},
                              ["session_id"], closed=False),
        "HandoffResult": obj({
            "ok": {"const": True},
            "logged": {**BOOL, "description": "Always true: a hand-off that cannot be queued is a 503."},
            "message": STR,
            "handoff": obj({"id": INT, "status": {"enum": ["open", "claimed", "closed"]}}),
        }),
        "HandoffPoll": obj({
            "status": {"enum": ["none", "open", "claimed", "closed"]},
            "agent": NULLABLE_STR, "text": NULLABLE_STR,
            "messages": {"type": "array", "items": ref("HandoffMessage")},
        }),
        "HandoffMessage": obj({"id": INT, "role": {"enum": ["buyer", "bot", "agent"]}, "text": STR,
                               "created_at": STR}),
        "BuyerMessage": obj({"session_id": SESSION, "text": MESSAGE_TEXT},
                            ["session_id", "text"], closed=False),
        "AgentAction": obj({"agent": AGENT_NAME}, ["agent"], closed=False),
        "AgentMessage": obj({"agent": AGENT_NAME, "text": MESSAGE_TEXT}, ["agent", "text"], closed=False),
        "Handoff": obj({
            "id": INT, "session_id": STR, "created_at": STR, "status": {"enum": ["open", "claimed", "closed"]},
            "claimed_by": NULLABLE_STR, "question": NULLABLE_STR,
            "transcript": {"type": "array", "items": obj({"role": {"enum": ["buyer", "bot", "agent"]}, "text": STR})},
        }, closed=False),
        "HandoffQueue": obj({"handoffs": {"type": "array", "items": ref("Handoff")},
                             "csrf_token": {**NULLABLE_STR, "description": "Send as X-CSRF-Token on posts made "
                                                                          "with the sign-in cookie."}}),
        "Health": obj({"status": {"const": "ok"}, "entries": INT}),
        "WorkerReload": obj({
            "id": STR, "state": {"enum": ["building", "done", "failed"]}, "reason": STR,
            "worker": {**STR, "description": "host:pid of the worker."},
            "requested_at": NUM, "started_at": NULLABLE_NUM, "finished_at": NULLABLE_NUM,
            "entries": NULLABLE_INT, "fingerprint": {**NULLABLE_STR, "description": "Key of the files it built."},
            "generation": NULLABLE_INT, "sessions_kept": {"type": ["boolean", "null"]},
            "error": {**NULLABLE_STR, "description": "Why the build failed (names the file and line)."},
        }),
        "Published": obj({"version": {**INT, "description": "Publications so far."}, "reload_id": STR,
                          "published_at": NUM}),
        "ReloadStatus": obj({
            "id": NULLABLE_STR,
            "state": {"enum": ["idle", "building", "done", "failed"], "description":
                      "failed if any worker failed, building while any builds, done when all that reported are done."},
            "status_url": NULLABLE_STR,
            "workers": {"type": "object", "additionalProperties": ref("WorkerReload"),
                        "description": "Each worker that reported on this reload."},
            "serving": obj({"worker": STR, "entries": INT, "fingerprint": NULLABLE_STR, "generation": INT},
                           description="What the worker that answered serves now."),
            "published": {"oneOf": [ref("Published"), {"type": "null"}],
                          "description": "The publication to the fleet (null: the broadcast backend was down)."},
        }),
        "Report": obj({
            "unanswered": {"type": "array", "items": obj({"question": STR, "count": INT, "examples": STRS,
                                                          "last_seen": STR})},
            "entries": {"type": "array", "items": obj({"entry_id": STR, "helpful": INT, "not_helpful": INT,
                                                       "total": INT, "helpful_rate": NUM})},
            "answered_now": {"type": "array", "description": "Groups logged as unanswered that the knowledge "
                             "as it is now answers (with the entry that does).",
                             "items": obj({"question": STR, "count": INT, "examples": STRS, "last_seen": STR,
                                           "entry_id": STR})},
            "daily": {"type": "array", "description": "The last 14 UTC days, oldest first.",
                      "items": obj({"day": STR, "answered": INT, "unanswered": INT, "handoffs": INT, "total": INT,
                                    "answer_rate": {"type": ["number", "null"]}, "helpful": INT,
                                    "not_helpful": INT})},
            "handoffs": INT, "feedback_total": INT, "gaps_total": INT,
        }),
        # -- tools: the JSON keys are the Python parameter names ------------------------------
        "PasswordCheckRequest": obj({"password": STR}),
        "PasswordCheckResult": obj({"valid": BOOL, "problems": STRS, "types": STRS, "warnings": STRS,
                                    "messages": STRS, "rule": STR, "text": TEXT}, closed=False),
        # The three kinds take different parameters; "amount" may stand for order_amount
        # (trade_assurance) or principal (pay_later), not both.
        "FeeEstimateRequest": {"oneOf": [
            {**obj({"kind": {"enum": ["trade_assurance", None], "default": "trade_assurance"},
                    "order_amount": {**AMOUNT, "description": "The order in USD."}, "amount": AMOUNT,
                    "logistics": {"enum": ["ecokara", "third_party"], "default": "ecokara"}}, []),
             "oneOf": [{"required": ["order_amount"]}, {"required": ["amount"]}]},
            {**obj({"kind": {"const": "pay_later"}, "principal": {**AMOUNT, "description": "The loan amount."},
                    "amount": AMOUNT, "months": {"type": ["integer", "string"], "minimum": 1, "maximum": 60,
                                                 "default": 6}}, ["kind"]),
             "oneOf": [{"required": ["principal"]}, {"required": ["amount"]}]},
            obj({"kind": {"const": "payment_method"},
                 "method": {**METHOD, "description": "e.g. western_union, domestic_wire, tt."},
                 "amount": AMOUNT, "currency": {**STR, "default": "USD"},
                 "buyer_country": {"type": ["string", "null"], "description": "ISO 3166 two-letter code."}},
                ["kind", "method", "amount"]),
        ]},
        "FeeEstimateResult": {"oneOf": [
            obj({"kind": {"const": "trade_assurance"}, "order_amount": NUM, "service_charge": NUM, "rate": NUM,
                 "capped": BOOL, "rule": STR, "notes": STRS, "text": TEXT}, closed=False),
            obj({"kind": {"const": "pay_later"}, "principal": NUM, "term_months": INT, "min_total": NUM,
                 "max_total": NUM, "months": {"type": "array", "items": {"type": "object"}}, "rule": STR,
                 "notes": STRS, "text": TEXT}, closed=False),
            obj({"kind": {"const": "payment_method"}, "method": STR, "amount": NUM, "currency": STR,
                 "allowed": BOOL, "reasons": STRS, "notes": STRS, "rule": STR, "text": TEXT}, closed=False),
        ]},
        "DisputeDeadlinesRequest": obj({
            "opened_on": DATE, "proposal_on": NULLABLE_DATE, "agreement_on": NULLABLE_DATE,
            "delivered_on": NULLABLE_DATE, "in_transit": {**BOOL, "default": False}, "escalated_on": NULLABLE_DATE,
            "return_received_on": NULLABLE_DATE, "holidays": HOLIDAYS,
        }, ["opened_on"]),
        "DisputeDeadlinesResult": obj({
            "opened_on": DATE,
            "timeline": {"type": "array", "items": obj({"date": DATE, "event": STR, "rule": STR}, closed=False)},
            "notes": STRS, "text": TEXT,
        }, closed=False),
        "PaymentArrivalRequest": obj({
            "method": {**METHOD, "description": "tt, credit_card, online_bank_payment, western_union, boleto, "
                                                "pay_later, online_transfer or domestic_wire."},
            "paid_on": {**STR, "description": "ISO date (or datetime for credit_card).", "examples": ["2026-11-20"]},
            "currency": {**STR, "default": "USD"},
            "account_number": {"type": ["string", "integer", "null"], "description": "Digits (T/T only)."},
            "transfer": {"enum": ["international", "domestic", None]},
            "holidays": HOLIDAYS,
        }, ["method", "paid_on"]),
        "PaymentArrivalResult": obj({"method": STR, "paid_on": STR, "earliest": STR, "latest": STR, "rule": STR,
                                     "notes": STRS, "text": TEXT}, closed=False),
        "ToolList": obj({"tools": {"type": "array", "items": obj({
            "name": {"enum": list(TOOL_NAMES)}, "label": STR, "offer": STR,
            "asks": {"type": "object", "additionalProperties": STR,
                     "description": "Parameter -> the question the chat asks for it."}})}}),
    }


def _error(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": ref("Error")}}}
    if retry_after:
        response["headers"] = {"Retry-After": {"schema": INT, "description": "Seconds to wait."}}
    return response


RESPONSES = {
    "BadRequest": _error("Malformed JSON, a missing or wrong-typed field, or an input the tool cannot use."),
    "NotFound": _error("Unknown entry, tool or endpoint."),
    "MethodNotAllowed": _error("Wrong HTTP method; the Allow header lists the right ones."),
    "PayloadTooLarge": _error("Body over HELPBOT_MAX_BODY_BYTES (16384 by default)."),
    "UnsupportedMediaType": _error("The body is not sent as application/json."),
    "TooManyRequests": _error("Over HELPBOT_RATE_LIMIT (asking, searching, tools) or HELPBOT_WRITE_RATE_LIMIT "
                              "(feedback, hand-offs) for this client.", retry_after=True),
    "Conflict": _error("The vote names an entry this session was not shown (code entry_not_shown): "
                       "ask first, then rate the answer; or a hand-off is claimed by another agent, not claimed "
                       "yet, or closed."),
    "Unprocessable": _error("The knowledge files do not load (the message names the file and line); "
                            "the previous knowledge is still serving."),
    "Unavailable": _error("The store could not save or read; nothing was saved.", retry_after=True),
    "Unauthorized": _error("No admin token given."),
    "Forbidden": _error("Wrong admin token."),
    "InternalError": _error("A bug on the server (logged); the message gives no details."),
}


def _json(schema_name: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema_name)}}}


def _errors(*names: str) -> dict[str, Any]:
    codes = {"BadRequest": "400", "Unauthorized": "401", "Forbidden": "403", "NotFound": "404",
             "MethodNotAllowed": "405", "Conflict": "409", "PayloadTooLarge": "413", "UnsupportedMediaType": "415",
             "Unprocessable": "422", "TooManyRequests": "429", "InternalError": "500", "Unavailable": "503"}
    return {codes[n]: {"$ref": f"#/components/responses/{n}"} for n in (*names, "MethodNotAllowed", "InternalError")}


BODY_ERRORS = ("BadRequest", "PayloadTooLarge", "UnsupportedMediaType")


def _body(schema_name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(schema_name)}}}


def _tool_path(name: str, request: str, result: str, summary: str) -> dict[str, Any]:
    return {"post": {
        "operationId": name, "tags": ["tools"], "summary": summary,
        "requestBody": _body(request),
        "responses": {"200": _json(result, "The tool's result."), **_errors(*BODY_ERRORS, "NotFound", "TooManyRequests")},
    }}


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


TOOL_NOT = {"not": {"enum": list(TOOL_NAMES)}}
# Text that must hold one character that is not blank, by one definition the document and the
# server share (helpbot.web.handoffs checks with this very pattern): JSON Schema's \\s (ECMA) and
# Python's str.isspace disagree on U+001C-U+001F, U+0085 and U+FEFF, so the class lists both.
VISIBLE = "[^\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\u001c-\\u001f\\u0085]"
MESSAGE_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": VISIBLE}
AGENT_NAME = {"type": "string", "minLength": 1, "maxLength": 80, "pattern": VISIBLE}
HANDOFF_ID = {"name": "handoff_id", "in": "path", "required": True, "schema": {**INT, "minimum": 0}}
HTML_PAGE = {"description": "An HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}}
FORM_BODY = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {"token": {"type": "string"}, "csrf_token": {"type": "string"},
                                     "next": {"type": "string"}}}}}}


def openapi_document(max_question_chars: int = DEFAULT_MAX_QUESTION_CHARS) -> dict[str, Any]:
    """The whole document, built fresh (callers may change their copy); the question limit
    is the app's HELPBOT_MAX_QUESTION_CHARS."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "helpbot API",
            "version": "1.0.0",
            "description": "Ecokara help-center bot. Every error is {\"error\": {\"code\", \"message\"}} with a 4xx; "
                           "POST bodies are JSON objects (Content-Type: application/json).",
        },
        "paths": {
            "/api/ask": {"post": {
                "operationId": "ask", "tags": ["chat"], "summary": "Ask one question (keeps a conversation by session_id).",
                "requestBody": _body("AskRequest"),
                "responses": {"200": _json("Reply", "The reply, with the session_id to send next time."),
                              **_errors(*BODY_ERRORS, "TooManyRequests")},
            }},
            "/api/search": {"get": {
                "operationId": "search", "tags": ["knowledge"], "summary": "Best entries for a text, best first.",
                "parameters": [
                    _query("q", {**STR, "maxLength": max_question_chars}, "The search text.", required=True),
                    _query("k", {**INT, "minimum": 1, "maximum": 50, "default": 5}, "How many hits."),
                    _query("category", STR, "Only entries of this category."),
                ],
                "responses": {"200": _json("SearchResult"), **_errors("BadRequest", "TooManyRequests")},
            }},
            "/api/entries": {"get": {
                "operationId": "listEntries", "tags": ["knowledge"], "summary": "Entries (optionally of one category) "
                                                                                "and all categories.",
                "parameters": [_query("category", STR, "Only entries of this category.")],
                "responses": {"200": _json("EntryList"), **_errors()},
            }},
            "/api/entries/{entry_id}": {"get": {
                "operationId": "getEntry", "tags": ["knowledge"], "summary": "One entry with its source text.",
                "parameters": [{"name": "entry_id", "in": "path", "required": True, "schema": ENTRY_ID}],
                "responses": {"200": _json("Entry"), **_errors("NotFound")},
            }},
            "/api/tools": {"get": {
                "operationId": "listTools", "tags": ["tools"], "summary": "The calculators and what they ask for.",
                "responses": {"200": _json("ToolList"), **_errors()},
            }},
            "/api/tools/password_check": _tool_path("password_check", "PasswordCheckRequest", "PasswordCheckResult",
                                                    "Check a password against the rules (never stored or echoed)."),
            "/api/tools/fee_estimate": _tool_path("fee_estimate", "FeeEstimateRequest", "FeeEstimateResult",
                                                  "Trade Assurance charge, Pay Later fees or payment method limits."),
            "/api/tools/dispute_deadlines": _tool_path("dispute_deadlines", "DisputeDeadlinesRequest",
                                                       "DisputeDeadlinesResult", "A dispute's deadlines."),
            "/api/tools/payment_arrival": _tool_path("payment_arrival", "PaymentArrivalRequest", "PaymentArrivalResult",
                                                     "When a payment reaches the supplier."),
            "/api/tools/{name}": {"post": {
                "operationId": "unknownTool", "tags": ["tools"], "summary": "Any other name is an unknown tool.",
                "parameters": [{"name": "name", "in": "path", "required": True, "schema": {**STR, **TOOL_NOT}}],
                # A name that is a tool reaches that tool, with its body errors.
                "responses": {"404": {"$ref": "#/components/responses/NotFound"},
                              **_errors(*BODY_ERRORS, "TooManyRequests")},
            }},
            "/api/feedback": {"post": {
                "operationId": "feedback", "tags": ["chat"], "summary": "Helpful / not helpful on an answer.",
                "requestBody": _body("FeedbackRequest"),
                "responses": {"201": _json("FeedbackSaved", "Saved."),
                              **_errors(*BODY_ERRORS, "NotFound", "Conflict", "TooManyRequests", "Unavailable")},
            }},
            "/api/handoff": {"post": {
                "operationId": "handoff", "tags": ["chat"], "summary": "The visitor asked for a LiveChat agent.",
                "requestBody": _body("HandoffRequest"),
                "responses": {"200": _json("HandoffResult"), **_errors(*BODY_ERRORS, "TooManyRequests", "Unavailable")},
            }},
            "/api/handoff/messages": {
                "get": {"operationId": "handoffPoll", "tags": ["chat"],
                        "summary": "The session's hand-off status and the messages after `after` (the widget polls).",
                        "parameters": [_query("session_id", SESSION, "The conversation.", required=True),
                                       _query("after", {**INT, "minimum": 0, "maximum": 2**63 - 1, "default": 0},
                                              "The last message id already seen.")],
                        "responses": {"200": _json("HandoffPoll"), **_errors("BadRequest", "TooManyRequests",
                                                                             "Unavailable")}},
                "post": {"operationId": "handoffWrite", "tags": ["chat"],
                         "summary": "The buyer writes to the agent of their open hand-off.",
                         "requestBody": _body("BuyerMessage"),
                         "responses": {"201": _json("HandoffMessage"),
                                       **_errors(*BODY_ERRORS, "Conflict", "TooManyRequests", "Unavailable")}},
            },
            "/admin/handoffs": {"get": {
                "operationId": "handoffQueue", "tags": ["admin"], "summary": "Hand-offs, newest first.",
                "security": [{"adminToken": []}],
                "parameters": [_query("status", {"enum": ["open", "claimed", "closed"]}, "Only this status."),
                               _query("limit", {**INT, "minimum": 1, "maximum": 200, "default": 50}, "How many.")],
                "responses": {"200": _json("HandoffQueue"), **_errors("BadRequest", "Unauthorized", "Forbidden",
                                                                      "NotFound", "Unavailable")},
            }},
            "/admin/handoffs/{handoff_id}": {"get": {
                "operationId": "handoffDetail", "tags": ["admin"], "security": [{"adminToken": []}],
                "summary": "One hand-off, its messages and the bot's best matching answers to paste.",
                "parameters": [HANDOFF_ID],
                "responses": {"200": {"description": "The hand-off.", "content": {"application/json": {
                    "schema": {"type": "object"}}}},
                    **_errors("Unauthorized", "Forbidden", "NotFound", "Unavailable")},
            }},
            **{f"/admin/handoffs/{{handoff_id}}/{action}": {"post": {
                "operationId": f"handoff{action.capitalize()}", "tags": ["admin"], "security": [{"adminToken": []}],
                "summary": summary, "parameters": [HANDOFF_ID], "requestBody": _body(body),
                "responses": {status: _json(result), **_errors(*BODY_ERRORS, "Unauthorized", "Forbidden", "NotFound",
                                                               "Conflict", "Unavailable")},
            }} for action, summary, body, status, result in (
                ("claim", "Take the hand-off (409 when another agent has it).", "AgentAction", "200", "Handoff"),
                ("close", "Close it; the buyer's widget says so.", "AgentAction", "200", "Handoff"),
                ("messages", "Reply to the buyer (claim it first).", "AgentMessage", "201", "HandoffMessage"),
            )},
            "/admin/curation": {"get": {
                "operationId": "curation", "tags": ["admin"], "security": [{"adminToken": []}],
                "summary": "Suggested phrasings, content gaps, overlapping entries and recent decisions "
                           "(HTML with Accept: text/html; docs/CURATION.md).",
                "responses": {"200": {"description": "The proposals.", "content": {
                    "application/json": {"schema": {"type": "object"}}, "text/html": {"schema": STR}}},
                    **_errors("Unauthorized", "Forbidden", "NotFound", "Unavailable")},
            }},
            **{f"/admin/curation/{action}": {"post": {
                "operationId": f"curation{action.capitalize()}", "tags": ["admin"], "security": [{"adminToken": []}],
                "summary": summary,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": obj({"keys": {"type": "array", "minItems": 1, "items": {
                        "type": "string", "minLength": 1}}}, ["keys"])},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["key"],
                                                                     "properties": {
                        "key": {"type": "string", "minLength": 1}, "csrf_token": STR}}}}},
                "responses": {status: {"description": summary, "content": {"application/json": {
                    "schema": {"type": "object"}}}}, "303": {"description": "A form post: back to the page."},
                    **_errors(*BODY_ERRORS, "Unauthorized", "Forbidden", "NotFound", "Unavailable")},
            }} for action, summary, status in (
                ("accept", "Write, check and reload the chosen phrasings, in the background.", "202"),
                ("reject", "Remember that the chosen phrasings are not wanted.", "200"),
            )},
            "/admin/sign-in": {
                "get": {"operationId": "signInPage", "tags": ["admin"], "summary": "The sign-in form (HTML).",
                        "parameters": [_query("next", STR, "The admin page to open after signing in.")],
                        "responses": {"200": HTML_PAGE, **_errors("NotFound")}},
                "post": {"operationId": "signIn", "tags": ["admin"],
                         "summary": "Exchange the admin token for a session cookie (a form post with its CSRF token).",
                         "requestBody": FORM_BODY,
                         "responses": {"303": {"description": "Signed in: to the next page."},
                                       "403": HTML_PAGE, **_errors("NotFound", "TooManyRequests")}},
            },
            "/admin/sign-out": {"post": {
                "operationId": "signOut", "tags": ["admin"], "summary": "End the session (a form post with its CSRF token).",
                "requestBody": {**FORM_BODY, "required": False},
                "responses": {"303": {"description": "Signed out."}, **_errors("Unauthorized", "Forbidden", "NotFound")},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "tags": ["meta"], "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {
                    "type": "object"}}}}},
            }},
            "/healthz": {"get": {
                "operationId": "health", "tags": ["meta"], "summary": "Liveness: the bot is loaded.",
                "responses": {"200": _json("Health"), **_errors()},
            }},
            "/admin/report": {"get": {
                "operationId": "report", "tags": ["admin"],
                "summary": "Top unanswered questions, helpful rates, hand-offs (HTML with Accept: text/html).",
                "security": [{"adminToken": []}],
                "parameters": [_query("limit", {**INT, "minimum": 1, "maximum": 100, "default": 10},
                                      "How many question groups.")],
                "responses": {"200": {"description": "The report.", "content": {
                    "application/json": {"schema": ref("Report")}, "text/html": {"schema": STR}}},
                    **_errors("BadRequest", "Unauthorized", "Forbidden", "NotFound", "TooManyRequests",
                              "Unavailable")},
            }},
            "/admin/reload": {
                "post": {
                    "operationId": "reload", "tags": ["admin"],
                    "summary": "Reload the knowledge on every worker of the fleet without downtime: built in the "
                               "background, then swapped in whole. Answers at once; poll status_url. Files that "
                               "do not load are refused at once (422, naming file and line).",
                    "security": [{"adminToken": []}],
                    "responses": {"202": {**_json("ReloadStatus", "Started and published; poll status_url."),
                                          "headers": {"Location": {"schema": STR}}},
                                  **_errors("Unauthorized", "Forbidden", "NotFound", "Unprocessable",
                                            "TooManyRequests")},
                },
                "get": {
                    "operationId": "latestReload", "tags": ["admin"],
                    "summary": "The latest reload's status across the fleet (state idle when there was none).",
                    "security": [{"adminToken": []}],
                    "responses": {"200": _json("ReloadStatus"),
                                  **_errors("Unauthorized", "Forbidden", "NotFound", "TooManyRequests")},
                },
            },
            "/admin/reload/{reload_id}": {"get": {
                "operationId": "reloadStatus", "tags": ["admin"], "summary": "One reload's status across the fleet.",
                "security": [{"adminToken": []}],
                "parameters": [{"name": "reload_id", "in": "path", "required": True, "schema": STR}],
                "responses": {"200": _json("ReloadStatus"),
                              **_errors("Unauthorized", "Forbidden", "NotFound", "TooManyRequests")},
            }},
        },
        "components": {
            "schemas": _schemas(max_question_chars),
            "responses": RESPONSES,
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer",
                                               "description": "HELPBOT_ADMIN_TOKEN; unset turns /admin off (404)."}},
        },
    }
