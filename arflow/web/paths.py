"""Where the REST API lives: one prefix that the app, the guards and the docs page share
(a module of its own so none of them imports another just for a string)."""

API = "/api/v1"
