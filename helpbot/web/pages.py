"""The HTML pages: the standalone chat (/), a sample host page for the embed (/embed-demo)
and the agent console (/agent). The pages are shells: widget.js and agent.js build
everything from the JSON API, so the pages carry no data and no inline script or style."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

pages = Blueprint("pages", __name__)


@pages.get("/")
def index():
    return render_template("index.html")


@pages.get("/embed-demo")
def embed_demo():
    # The snippet a host site pastes, with this server's absolute address.
    snippet = f'<script src="{url_for("static", filename="widget.js", _external=True)}" defer></script>'
    return render_template("embed_demo.html", snippet=snippet)


@pages.get("/agent")
def agent():
    return render_template("agent.html")
