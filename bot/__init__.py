"""Citizens' conversation, the same on every channel.

- ``inbound``: the channel-neutral :class:`~bot.inbound.InboundMessage` adapters produce;
- ``pipeline``: ``process_inbound`` = dedupe, contact, locked conversation state, engine, outbox
  rows, all in the caller's transaction (its per-dialect SQL statements: ``pipeline_store``);
- ``engine``: dispatch of one turn; ``flows/``: report, status, pending (information requests,
  answers, reopening) and rating; ``intents``: short control turns; ``limits``: flood and daily
  limits; ``messages/``: the catalogues; the NLU is the runtime's ``classifier``
  (``reports.classifier`` port, ``nlu.fallback`` guard);
- ``webchat`` (``/chat``) and ``terminal`` (``suarawarga chat``): channel ``web`` without any
  provider, reading their replies from the outbox through ``bot.delivery.outbox_view``.
"""
