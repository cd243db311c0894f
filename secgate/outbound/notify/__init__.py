"""Telling people outside the job how a scan ended: one message per scan to each webhook.

``targets`` reads where to send (``--notify``, ``SECGATE_NOTIFY_URL``, the policy's
``notify:``) and on which events; ``digest`` makes the message's content from the finished,
redacted result; one module per format renders it (``slack``, ``teams``, ``generic`` for
secgate's own JSON; ``formats`` picks one per URL); ``send`` delivers it through
``secgate.outbound.http``, where a failure is a warning and never changes the verdict.
"""
