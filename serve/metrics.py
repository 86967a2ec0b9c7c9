"""The app's Prometheus metrics, in a registry of its own (never the global default), so two apps in one
process (tests, benchmarks) do not share or clash over counters."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)


class ServeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("supportloop_chat_requests", "Chat answers requested, per version", ["version"],
                                registry=self.registry)
        self.errors = Counter("supportloop_chat_errors", "Chat requests that failed or were refused, per kind",
                              ["kind"], registry=self.registry)
        self.latency = Histogram("supportloop_chat_latency_seconds", "Time to the whole answer, per version",
                                 ["version"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.first_token = Histogram("supportloop_chat_first_token_seconds", "Time to the first streamed text",
                                     ["version"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.tokens = Counter("supportloop_chat_tokens", "Tokens per version and kind (prompt, completion)",
                              ["version", "kind"], registry=self.registry)
        self.conversations = Counter("supportloop_conversations", "Conversations started, per version",
                                     ["version"], registry=self.registry)
        self.ratings = Counter("supportloop_customer_ratings", "Customer thumbs given, per version and direction",
                               ["version", "thumbs"], registry=self.registry)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
