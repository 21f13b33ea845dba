"""Tasks of the `anaf.etransport` worker (thin: validate payload -> call the service -> return JSON).

`anaf.etransport.ping` is registered by shared.celery_app.create_app for every worker.
"""
