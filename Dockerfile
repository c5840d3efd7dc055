# Build stage: the wheel, from the whole source tree (minus .dockerignore). Which packages and data
# files ship is decided once, by pyproject.toml, never by a list of COPY lines here: the image once
# copied five packages by name and lacked bot/ and console/, so its `suarawarga serve` could not
# start. tests/test_packaging.py builds the same wheel from the same files and serves from it.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SUARAWARGA_DATA_DIR=/data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --system --home /data suarawarga && mkdir -p /data && chown suarawarga /data
USER suarawarga
EXPOSE 8000
CMD ["suarawarga", "serve", "--host", "0.0.0.0"]
