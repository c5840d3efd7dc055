"""The ``suarawarga`` commands, one module per command group (``db``, ``sla``, ``report``,
``user``, ``demo``, ``import``) plus the long-running processes (``serve``, ``scheduler``,
``sweep``); ``webhooks.cli`` assembles them into one Typer app. Each module imports only Typer
and the enums at load: the heavy parts are imported inside the command that needs them, so
``suarawarga --help`` stays fast.
"""
