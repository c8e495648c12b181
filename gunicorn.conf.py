# gunicorn reads this file from the working directory (the image's /app).
# Command-line flags still win, e.g. --workers or --bind in docker-compose.yml.

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"
# The combined format without %(h)s, the client's address: we store no raw
# IPs, logs included (config/gunicorn_log.py blanks it even if this changes).
access_log_format = '"%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# And the error log's "Invalid request from ip=..." without the address.
logger_class = "config.gunicorn_log.AddressFreeLogger"
