"""Citizens' conversation: channel-neutral inbound messages, the conversation engine, the
inbound pipeline (dedupe, state, engine, outbox) and the web and terminal chats."""
