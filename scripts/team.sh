#!/usr/bin/env bash
# A team deployment on one machine, for trying it: PostgreSQL (DuckLake's catalog) on loopback, two
# app servers over one shared DuckLake store, and nginx in front with sticky sessions (ip_hash).
# Everything lives under ./var/team; Ctrl-C stops it all. Ports: PORT (default 8600) for the load
# balancer, APP_PORTS (8611 8612) for the app servers, PG_PORT (54329) for PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --system
PY=.venv/bin/python
PG_BIN=/usr/lib/postgresql/15/bin
PORT="${PORT:-8600}"
PG_PORT="${PG_PORT:-54329}"
read -r -a APP_PORTS <<< "${APP_PORTS:-8611 8612}"
TEAM="$PWD/var/team"
mkdir -p "$TEAM/lake" "$TEAM/logs"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  as_pg "$PG_BIN/pg_ctl" -D "$TEAM/pg" -m fast stop >/dev/null 2>&1 || true
  echo "stopped."
}
trap stop INT TERM EXIT

# -- PostgreSQL: the catalog, loopback only -----------------------------------------------------
if [ ! -f "$TEAM/pg/PG_VERSION" ]; then
  mkdir -p "$TEAM/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$TEAM/pg"
  as_pg "$PG_BIN/initdb" -D "$TEAM/pg" -A trust -U postgres >"$TEAM/logs/initdb.log"
fi
[ "$(id -u)" = 0 ] && chown postgres "$TEAM/logs"
as_pg "$PG_BIN/pg_ctl" -D "$TEAM/pg" -l "$TEAM/logs/postgres.log" -w \
  -o "-p $PG_PORT -k $TEAM/pg -c listen_addresses=127.0.0.1" start >/dev/null
"$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = 'risk'" | grep -q 1 \
  || "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE risk"

export RISK_STORE="ducklake:postgres:dbname=risk host=127.0.0.1 port=$PG_PORT user=postgres"
export RISK_STORE_DATA_PATH="$TEAM/lake"
$PY -m risk store status   # creates the shared store from the bundled data on first start
$PY -m risk store clean    # data files a publish killed half-way left (a day old or more)

# -- two app servers ----------------------------------------------------------------------------
upstream=""
for port in "${APP_PORTS[@]}"; do
  $PY -m ui.serve --address 127.0.0.1 --port "$port" \
    >"$TEAM/logs/app-$port.log" 2>&1 &
  pids+=($!)
  upstream+="    server 127.0.0.1:$port;"$'\n'
done
for port in "${APP_PORTS[@]}"; do  # each says "ready" once warmed ("not warmed" if that failed)
  for _ in $(seq 1 240); do
    grep -q "ready: http://127.0.0.1:$port\|not warmed: http://127.0.0.1:$port" \
      "$TEAM/logs/app-$port.log" 2>/dev/null && break
    sleep 0.5
  done
done

# -- nginx: sticky sessions (Streamlit's websocket carries the session) --------------------------
mkdir -p "$TEAM/nginx"
cat >"$TEAM/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $TEAM/nginx/nginx.pid;
error_log $TEAM/logs/nginx-error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log $TEAM/logs/nginx-access.log;
  client_body_temp_path $TEAM/nginx/body;
  proxy_temp_path $TEAM/nginx/proxy;
  fastcgi_temp_path $TEAM/nginx/fastcgi;
  uwsgi_temp_path $TEAM/nginx/uwsgi;
  scgi_temp_path $TEAM/nginx/scgi;
  client_max_body_size 200m;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream risk_apps {
    ip_hash;
$upstream  }
  server {
    listen 127.0.0.1:$PORT;
    location / {
      proxy_pass http://risk_apps;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$host;
      proxy_read_timeout 86400;
    }
  }
}
EOF
/usr/sbin/nginx -c "$TEAM/nginx/nginx.conf" -p "$TEAM/nginx" &
pids+=($!)

echo
echo "Team deployment: http://127.0.0.1:$PORT  (nginx, sticky by client address)"
for port in "${APP_PORTS[@]}"; do echo "  app server: http://127.0.0.1:$port"; done
echo "  catalog: PostgreSQL on 127.0.0.1:$PG_PORT (database risk), data files: $RISK_STORE_DATA_PATH"
echo "  logs: $TEAM/logs.  Ctrl-C stops everything."
wait -n "${pids[@]}" || true
