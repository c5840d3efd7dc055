FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SUARAWARGA_DATA_DIR=/data
COPY pyproject.toml README.md ./
COPY config config
COPY reports reports
COPY escalation escalation
COPY nlu nlu
COPY webhooks webhooks
RUN pip install --no-cache-dir . && useradd --system --home /data suarawarga && mkdir -p /data \
    && chown suarawarga /data
USER suarawarga
EXPOSE 8000
CMD ["suarawarga", "serve", "--host", "0.0.0.0"]
