"""What a scan tells the monitoring stack: Prometheus metrics (a textfile for node_exporter, or a
push to a Pushgateway), machine-read JSON logs, and the run's log lines pushed to Loki.

Everything here is built from the finished, already-redacted ``ScanResult``: no raw secret can
reach a metric, a log line or a push. Sending is best effort: a server that cannot be reached
costs a warning, never the verdict.
"""
