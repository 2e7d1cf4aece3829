"""Helpers every HTTP-facing part shares (the gateway's web chat and agent API, the telephony
webhooks): rate limits and replay protection (`ratelimit`), cleaning of untrusted text
(`sanitize`). No Flask here; the callers own their request objects."""
