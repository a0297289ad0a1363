"""Platform clients (no Flask: Celery workers import them).

- `common`: per-site connections and secrets, HTTP, poll pages;
- `blogger`, `disqus`: fetch comments (polls) and write decisions back;
- `wordpress`: write decisions back through the REST API;
- `pollers`: poll the due Blogger/Disqus connections into `core.intake.accept`;
- `outbox_sender`: send the outbox (`core.outbox`) with retries and dead letters;
- `imports`: WXR and Blogger export files into `core.intake.accept`;
- `background`: the embedded mode's thread running the sender and the pollers.

Their HTTP endpoints live in `service.webhooks` (WordPress, Coral) and `service.api`
(Perspective, Akismet, deliveries); their commands in `service.cli.integrations`.
"""
