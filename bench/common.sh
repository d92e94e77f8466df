# shellcheck shell=bash
# Shared by the benchmarks (sourced, not run).

# venv_with VENV MODULE PACKAGE...: a virtual environment at VENV in which
# MODULE imports, installing the pinned PACKAGEs when it does not.
venv_with() {
  local venv="$1" module="$2"
  shift 2
  if ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
}

# The 17 regions the moto benchmarks seed.
# shellcheck disable=SC2034  # used by the scripts that source this file
REGIONS="us-east-1,us-east-2,us-west-1,us-west-2,ca-central-1,eu-west-1,eu-west-2,eu-west-3,eu-central-1,eu-north-1,ap-south-1,ap-northeast-1,ap-northeast-2,ap-southeast-1,ap-southeast-2,sa-east-1,ap-northeast-3"

# start_moto VENV: a moto server of VENV on a free loopback port, waited for;
# sets MOTO_PID and URL (the caller's trap stops it).
# shellcheck disable=SC2034  # MOTO_PID and URL are for the caller
start_moto() {
  local venv="$1" port
  port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  URL="http://127.0.0.1:$port"
}
