"""The durable inbox: provider updates stored before the 200, processed in order per chat.

``service``: the database steps (store, claim, fence, finish, backlog); ``processor``: decoding a
stored update, fetching its files and running the conversation pipeline on it.
"""
