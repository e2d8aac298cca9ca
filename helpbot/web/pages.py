"""The HTML pages: the standalone chat (/), a sample host page for the embed (/embed-demo)
and the agent console (/agent). The pages are shells: widget.js and agent.js build
everything from the JSON API, so the pages carry no data and no inline script or style."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from helpbot.web.adminauth import signed_in

pages = Blueprint("pages", __name__)


@pages.get("/")
def index():
    return render_template("index.html")


@pages.get("/embed-demo")
def embed_demo():
    # The snippet a host site pastes. Its address comes from HELPBOT_PUBLIC_URL, never from the
    # request's Host header (which any client can set, and which would then be reflected here).
    base = current_app.config.get("PUBLIC_URL") or ""
    snippet = f'<script src="{base}{url_for("static", filename="widget.js")}" defer></script>'
    return render_template("embed_demo.html", snippet=snippet)


@pages.get("/agent")
def agent():
    # The hand-off queue shows only to signed-in agents; the canned answers to everyone.
    queue = "on" if signed_in() else ("sign-in" if current_app.config["ADMIN_TOKEN"] else "off")
    return render_template("agent.html", queue=queue)
