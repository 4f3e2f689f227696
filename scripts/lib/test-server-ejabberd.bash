# shellcheck shell=bash disable=SC2154  # domain, users, python, deadlines...: set by scripts/test-server
# The ejabberd half of scripts/test-server (sourced by it; `start --server ejabberd DIR`).
#
# Debian's ejabberd (23.01) run from DIR: its own ejabberd.yml, ejabberdctl.cfg, node name,
# Erlang cookie, Mnesia directory and logs, all under DIR/server; never the system service,
# /etc/ejabberd or /var/lib/ejabberd. The node is reached without epmd: ejabberdctl's
# ERL_DIST_PORT makes the node listen for Erlang distribution on one picked loopback port, and
# every Erlang node of DIR (the server, ejabberdctl's clients, ejd_register) finds a node's port
# in its name (xmpptest-PORT-HEX@localhost) through a tiny epmd module (xmpptest_epmd, written and
# compiled into server/ebin at start): no epmd is started and none is left behind. Erlang's own
# -erl_epmd_port alone would give every node the same port, so two nodes could not cluster.
#
# A cluster (`start --server ejabberd --join DIR1 DIR2`): DIR2's node is started like DIR1's,
# with DIR1's cookie, CA, certificates and password files, its own ports, and then joins DIR1's
# node with ejabberd's own clustering (ejabberdctl join_cluster): Mnesia replicates the accounts,
# rooms and pubsub nodes. Each DIR stays a whole test server of its own (env, stop, crash,
# revive, adduser); stopping one node leaves the other serving. DIR2/cluster names DIR1.
#
# Layout of DIR beyond the common part (env, console.log, ca/, passwords/):
#   ejabberd.pid     pid of the node's beam.smp (written by this script)
#   front.pid        pid of the expired-certificate TLS front (scripts/lib/tls-front.py)
#   server/          owned by the ejabberd user, also its HOME (.erlang.cookie, 0400):
#     ejabberd.yml ejabberdctl.cfg vm.args inetrc   the node's configuration
#     ebin/          xmpptest_epmd.erl and .beam: the node-name-to-port epmd module
#     certs/         server.pem (certificate + key: what ejabberd's certfiles want), expired.pem,
#                    and the PEM pieces make_pki wrote
#     db/            Mnesia; log/ ejabberd.log, error.log, crash dumps; upload/ the upload docroot
#
# The same users, passwords, CA and certificates as the Prosody server, and the same XMPP_TEST_*
# variables. ejabberd 23.01 has no per-listener certificate (it picks one by domain from one
# pool), so the expired-certificate port is a small TLS front that relays to the direct TLS port.
# ejabberdctl runs only as root or as the ejabberd user, so this server needs root (as CI has).

readonly ejd_user=ejabberd
readonly ejd_ctl=/usr/sbin/ejabberdctl
readonly ejd_front=$script_dir/lib/tls-front.py

# ejd_as: the command prefix that runs a program as the ejabberd user with a clean environment and
# DIR's server/ as HOME (where Erlang reads the cookie). Every element execs the next, so a
# background job's $! is the program's pid. Set by ejd_use_dir.
ejd_as=()
ejd_use_dir() {
  ejd_as=(setpriv --reuid="$ejd_user" --regid="$ejd_user" --init-groups --no-new-privs --
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$1/server")
}

# True if PID is the beam.smp of DIR's node (its command line names DIR's Mnesia directory).
ejd_ours() {
  local pid=$1 dir=$2 cmdline
  alive "$pid" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *beam.smp*"-mnesia dir \"$dir/server/db\""* ]]
}

# True if PID is DIR's TLS front.
ejd_front_ours() {
  local pid=$1 dir=$2 cmdline
  alive "$pid" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *tls-front.py*" $dir/server/certs/expired.pem "* ]]
}

ejd_log_tail() {
  local dir=$1 f
  for f in "$dir/console.log" "$dir/server/log/ejabberd.log" "$dir/server/log/error.log"; do
    if [[ -s $f ]]; then
      echo "--- last lines of $f:" >&2
      tail -n 30 "$f" >&2
    fi
  done
}

# The node's settings that ejabberdctl reads: node name, Erlang distribution port, directories.
# Everything that runs `ejabberdctl --config-dir DIR/server ...` (as the ejabberd user, HOME
# DIR/server) talks to this node and no other.
ejd_write_ctl_config() {
  local dir=$1 node=$2 dist=$3 srv=$1/server
  cat >"$srv/ejabberdctl.cfg" <<EOF
# Written by scripts/test-server; do not edit. Sourced by ejabberdctl (--config-dir $srv).
ERLANG_NODE=$node
ERL_DIST_PORT=$dist
SPOOL_DIR=$srv/db
LOGS_DIR=$srv/log
EJABBERD_BYPASS_WARNINGS=true
EOF
  # Erlang distribution on loopback only; ports found in node names, not through an epmd. Every
  # erl that ejabberdctl starts reads this file (its -args_file), and so does ejd_register.
  cat >"$srv/vm.args" <<EOF
-kernel inet_dist_use_interface {127,0,0,1}
-pa $srv/ebin
-epmd_module xmpptest_epmd
EOF
  # Names from /etc/hosts only: the node never asks a DNS server (no s2s here anyway).
  printf '%s\n' '{lookup, ["file"]}.' >"$srv/inetrc"
}

# A node name that carries its Erlang distribution port DIST, read back by xmpptest_epmd.
ejd_node_name() {
  echo "xmpptest-$1-$(openssl rand -hex 6)@localhost"
}

# Writes and compiles DIR's epmd module (Erlang's -epmd_module interface, kernel's erl_epmd
# callbacks): a node named xmpptest-PORT-HEX listens on PORT (its -erl_epmd_port, set by
# ejabberdctl from ERL_DIST_PORT) and is reached on PORT; there is no registry, so names/1 knows
# nobody and registration only draws a creation number.
ejd_write_epmd_module() {
  local ebin=$1/server/ebin
  mkdir -p "$ebin"
  cat >"$ebin/xmpptest_epmd.erl" <<'EOF'
%% Written by scripts/test-server: Erlang distribution without epmd for the test nodes.
-module(xmpptest_epmd).
-export([start_link/0, register_node/2, register_node/3, port_please/2, port_please/3,
         listen_port_please/2, address_please/3, names/1]).

start_link() -> ignore.

register_node(Name, Port) -> register_node(Name, Port, inet).
register_node(_Name, _Port, _Family) -> {ok, rand:uniform(16#fffffff0) + 3}.

port_please(Name, Host) -> port_please(Name, Host, infinity).
port_please(Name, _Host, _Timeout) ->
    case port_in_name(Name) of
        undefined -> noport;
        Port -> {port, Port, 6}
    end.

listen_port_please(Name, _Host) ->
    case init:get_argument(erl_epmd_port) of
        {ok, [[Port | _] | _]} -> {ok, list_to_integer(Port)};
        _ ->
            case port_in_name(Name) of
                undefined -> {ok, 0};
                Port -> {ok, Port}
            end
    end.

address_please(_Name, Host, Family) -> inet:getaddr(Host, Family).

names(_Host) -> {error, address}.

port_in_name(Name) when is_atom(Name) -> port_in_name(atom_to_list(Name));
port_in_name(Name) ->
    case re:run(Name, "^xmpptest-([0-9]+)-[0-9a-f]+$", [{capture, all_but_first, list}]) of
        {match, [Port]} -> list_to_integer(Port);
        nomatch -> undefined
    end.
EOF
  erlc -o "$ebin" "$ebin/xmpptest_epmd.erl" || die "could not compile $ebin/xmpptest_epmd.erl"
}

# The modules both hosts load, indented by $1.
ejd_common_modules() {
  sed "s/^/$1/" <<EOF
mod_adhoc: {}
mod_announce:
  access: announce
mod_blocking: {}
mod_caps: {}
mod_carboncopy: {}
mod_client_state: {}
mod_configure: {}
mod_disco:
  server_info:
    - modules: all
      name: "admin-addresses"
      urls: ["xmpp:admin@$domain"]
mod_last: {}
# MAM is there for clients that ask, but archives nothing unless a user asks (as Prosody's
# default_archive_policy = false); rooms archive (Prosody's muc_mam logs by default).
mod_mam:
  default: never
mod_offline: {}
mod_ping: {}
mod_privacy: {}
mod_private: {}
mod_roster:
  versioning: true
# Debian's own ejabberd.yml: a detached session's unacknowledged messages go to the account's
# other resources or offline storage when it times out, rather than bounce to the sender (a test
# that kills a listener leaves a detached session behind; at max_ack_queue the queue is dropped).
# max_ack_queue (default 5000): ejabberd ends a session with more unacknowledged stanzas than
# that. A listener's answer to <r/> queues behind the messages already in its socket, so a
# 10,000-message burst (test_lines_10000...) outruns it on a loaded machine and the listener is
# cut off mid-run: a slow consumer, not what that test checks. Raised for the suite.
mod_stream_mgmt:
  resend_on_timeout: if_offline
  max_ack_queue: 50000
mod_time: {}
mod_vcard:
  search: false
mod_vcard_xupdate: {}
mod_version:
  show_os: true
EOF
}

ejd_write_config() {
  local dir=$1 starttls=$2 direct=$3 http=$4 proxy=$5 https=$6 srv=$1/server
  cat >"$srv/ejabberd.yml" <<EOF
# Throwaway ejabberd for the xmpp integration tests (written by scripts/test-server; do not edit).
# The equivalents of the Prosody test server's settings (scripts/test-server write_config).
hosts:
  - "$domain"
  - "$anon_domain"
loglevel: info
log_rotate_count: 0
hide_sensitive_log_data: true
# One PEM with the certificate and its key (ejabberd picks the certificate by domain: the
# certificate names $domain and *.$domain).
certfiles:
  - "$srv/certs/server.pem"
ca_file: "$dir/ca/ca.crt"
acme:
  auto: false

auth_method: [internal]
# Hashed (SCRAM-SHA-1) storage, as Debian's default config and Prosody's internal_hashed: SASL
# offers SCRAM-SHA-1(-PLUS) and PLAIN.
auth_password_format: scram
disable_sasl_mechanisms: ["digest-md5", "x-oauth2"]

# No s2s: no listener, and no outgoing connection to any other domain.
s2s_access: none

acl:
  admin:
    user: "admin@$domain"
  local:
    user_regexp: ""
access_rules:
  local:
    allow: local
  c2s:
    allow: all
  announce:
    allow: admin
  configure:
    allow: admin
  muc_create:
    allow: local
  # Only the admin creates nodes on the pubsub component (as on the Prosody server).
  pubsub_createnode:
    allow: admin
  register:
    deny: all
api_permissions:
  "console commands":
    from: [ejabberd_ctl]
    who: all
    what: "*"
# No shapers and no session or offline limits: the tests send thousands of stanzas.
shaper_rules:
  max_user_sessions: infinity
  max_user_offline_messages: infinity

# Only loopback, only the ports picked for this run.
listen:
  # STARTTLS required; TLS 1.2 and 1.3, as on the Prosody server. ejabberd 23.01 offers
  # SCRAM-SHA-1-PLUS on TLS 1.3 without an XEP-0440 list and binds only tls-unique: xmpp then
  # logs in with plain SCRAM by default (libshared/sasl/choose.cpp).
  - port: $starttls
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: true
    max_stanza_size: 262144
    protocol_options: ["no_sslv3", "no_tlsv1", "no_tlsv1_1"]
  # Direct TLS (XEP-0368) held to TLS 1.2, as on the Prosody server.
  - port: $direct
    ip: "127.0.0.1"
    module: ejabberd_c2s
    tls: true
    max_stanza_size: 262144
    protocol_options: ["no_sslv3", "no_tlsv1", "no_tlsv1_1", "no_tlsv1_3"]
  - port: $http
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /upload: mod_http_upload
  # XEP-0363 §4: slot URLs must be HTTPS.
  - port: $https
    ip: "127.0.0.1"
    module: ejabberd_http
    tls: true
    protocol_options: ["no_sslv3", "no_tlsv1", "no_tlsv1_1"]
    request_handlers:
      /upload: mod_http_upload

modules:
$(ejd_common_modules "  ")
  # The components serve $domain only, as on the Prosody server (on both hosts proxy65 and
  # upload would share a port or a URL).
  mod_muc:
    host: "conference.@HOST@"
    access: all
    access_create: muc_create
    access_persistent: muc_create
    access_admin:
      - allow: admin
    access_mam: all
    default_room_options:
      mam: true
  mod_pubsub:
    host: "pubsub.@HOST@"
    access_createnode: pubsub_createnode
    plugins:
      - flat
      - pep
  mod_proxy65:
    host: "proxy.@HOST@"
    ip: "127.0.0.1"
    hostname: "127.0.0.1"
    port: $proxy
  # The slot URLs name the component, which the tests' DNS stub resolves to 127.0.0.1. 16 MiB
  # is small enough for a test to exceed it with a sparse file.
  mod_http_upload:
    host: "upload.@HOST@"
    put_url: "https://upload.$domain:$https/upload"
    docroot: "$srv/upload"
    max_size: 16777216
    thumbnail: false

# A host_config "modules" replaces the global list: the anonymous host gets the common ones.
host_config:
  "$anon_domain":
    auth_method: [anonymous]
    anonymous_protocol: sasl_anon
    # Only ANONYMOUS, as on the Prosody server (ejabberd would list PLAIN and SCRAM too).
    disable_sasl_mechanisms: ["digest-md5", "x-oauth2", "plain", "scram-sha-1", "scram-sha-1-plus",
      "scram-sha-256", "scram-sha-256-plus", "scram-sha-512", "scram-sha-512-plus"]
    modules:
$(ejd_common_modules "      ")
EOF
}

# Starts DIR's node in the background (ejabberdctl's foreground mode: the node's beam.smp is a
# child of the ejabberdctl shell) and sets ejd_wrapper to that shell's pid.
ejd_launch_node() {
  local dir=$1
  "${ejd_as[@]}" "$ejd_ctl" --config-dir "$dir/server" foreground-quiet \
    </dev/null >>"$dir/console.log" 2>&1 &
  ejd_wrapper=$!
}

# Starts DIR's TLS front on EXPIRED relaying to DIRECT; sets ejd_front_pid and writes front.pid.
ejd_launch_front() {
  local dir=$1 expired=$2 direct=$3
  "${ejd_as[@]}" "$python" "$ejd_front" "$expired" "$dir/server/certs/expired.pem" \
    "$dir/server/certs/expired.key" "$direct" </dev/null >>"$dir/console.log" 2>&1 &
  ejd_front_pid=$!
  echo "$ejd_front_pid" >"$dir/front.pid"
}

# True if PID listens on 127.0.0.1:PORT.
ejd_listens() {
  ss -Hltnp "sport = :$2" 2>/dev/null | grep -q "pid=$1,"
}

# Waits until the node (under wrapper WRAPPER) is started and listens on every port, and the
# front FRONT on its port. Writes ejabberd.pid. Returns 0 when ready, 2 if a port was taken
# meanwhile (retry with new ports), 1 (log tail shown) on death, start-up error or deadline.
# ejd_started_lines: how many start-up lines the log must show (2 after a join_cluster restart).
ejd_wait_ready() {
  local dir=$1 wrapper=$2 front=$3 expired=$4
  shift 4
  local deadline=$((SECONDS + ejd_start_deadline_s)) beam='' port missing started
  local log=$dir/server/log/ejabberd.log
  while :; do
    if [[ -z $beam ]]; then
      beam=$(pgrep -P "$wrapper" -x beam.smp || true)
      [[ -n $beam ]] && echo "$beam" >"$dir/ejabberd.pid"
    fi
    if grep -q 'eaddrinuse' "$log" "$dir/console.log" 2>/dev/null; then
      return 2
    fi
    if ! alive "$wrapper" || { [[ -n $beam ]] && ! alive "$beam"; }; then
      ejd_log_tail "$dir"
      echo "test-server: ejabberd exited during start-up" >&2
      return 1
    fi
    if ! alive "$front"; then
      ejd_log_tail "$dir"
      echo "test-server: the TLS front exited during start-up" >&2
      return 1
    fi
    missing=
    started=$(grep -c 'is started in the node' "$log" 2>/dev/null) || true
    if [[ -z $beam ]] || ((${started:-0} < ${ejd_started_lines:-1})); then
      missing=" (node not started yet)"
    else
      for port in "$@"; do
        ejd_listens "$beam" "$port" || missing+=" $port"
      done
    fi
    ejd_listens "$front" "$expired" || missing+=" $expired"
    [[ -z $missing ]] && return 0
    if ((SECONDS >= deadline)); then
      ejd_log_tail "$dir"
      echo "test-server: ejabberd is not ready after ${ejd_start_deadline_s}s: missing$missing" >&2
      return 1
    fi
    sleep 0.1
  done
}

# Signals PID (ours by CHECK) with TERM and waits; KILL after the deadline.
ejd_stop_pid() {
  local dir=$1 pid=$2 check=$3 what=$4 deadline
  "$check" "$pid" "$dir" || return 0
  kill -TERM "$pid"
  deadline=$((SECONDS + stop_deadline_s))
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then
      echo "test-server: $what (pid $pid) did not stop in ${stop_deadline_s}s; killing it" >&2
      "$check" "$pid" "$dir" && kill -KILL "$pid"
      deadline=$((SECONDS + 5))
      while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
      alive "$pid" && die "$what (pid $pid) survived SIGKILL"
      return 0
    fi
    sleep 0.1
  done
}

ejd_stop_all() {
  local dir=$1
  if [[ -r $dir/ejabberd.pid ]]; then
    ejd_stop_pid "$dir" "$(cat "$dir/ejabberd.pid")" ejd_ours ejabberd
    rm -f "$dir/ejabberd.pid"
  fi
  if [[ -r $dir/front.pid ]]; then
    ejd_stop_pid "$dir" "$(cat "$dir/front.pid")" ejd_front_ours "the TLS front"
    rm -f "$dir/front.pid"
  fi
}

# After a failed start: stops the node under WRAPPER (even if its pid was not recorded yet), the
# wrapper shell itself and the front.
ejd_stop_launched() {
  local dir=$1 wrapper=$2 beam
  beam=$(pgrep -P "$wrapper" -x beam.smp || true)
  [[ -n $beam ]] && echo "$beam" >"$dir/ejabberd.pid"
  ejd_stop_all "$dir"
  if alive "$wrapper"; then
    kill -TERM "$wrapper" 2>/dev/null || true
  fi
}

# Creates USER@DOMAIN with the password read from stdin (never on a command line): a hidden
# Erlang node without a listener of its own calls ejabberd_auth:try_register on DIR's node.
ejd_register() {
  local dir=$1 user=$2 host=$3 node dist
  node=$(ejd_node_of "$dir")
  dist=$(sed -n 's/^ERL_DIST_PORT=//p' "$dir/server/ejabberdctl.cfg")
  "${ejd_as[@]}" erl -sname "reg-$$-$RANDOM-$node" -hidden -noshell -start_epmd false \
    -dist_listen false -erl_epmd_port "$dist" -args_file "$dir/server/vm.args" -eval "
      Password = string:trim(io:get_line(\"\"), trailing, \"\\n\"),
      case rpc:call('$node', ejabberd_auth, try_register,
                    [<<\"$user\">>, <<\"$host\">>, unicode:characters_to_binary(Password)]) of
        % Flushed to disk now: a crash test SIGKILLs the node soon after creating its accounts.
        ok -> ok = rpc:call('$node', mnesia, sync_log, []), halt(0);
        Other -> io:format(standard_error, \"register $user@$host: ~p~n\", [Other]), halt(1)
      end."
}

ejd_make_users() {
  local dir=$1 user password
  mkdir -p "$dir/passwords"
  chmod 0700 "$dir/passwords"
  for user in "${users[@]}"; do
    password=$(openssl rand -base64 18 | tr '+/' '-_')
    (umask 077 && printf '%s\n' "$password" >"$dir/passwords/$user")
    printf '%s\n' "$password" | ejd_register "$dir" "$user" "$domain" >>"$dir/console.log" 2>&1 ||
      die "could not create $user@$domain (see $dir/console.log)"
  done
}

# The node name recorded in DIR's ejabberdctl.cfg.
ejd_node_of() {
  sed -n 's/^ERLANG_NODE=//p' "$1/server/ejabberdctl.cfg"
}

# DIR's PKI, cookie and password files for a node of its own (make_pki, a new cookie, new users
# later) or, with JOIN, copies of JOIN's: a cluster's nodes serve one domain with one
# certificate, and Erlang distribution needs one cookie.
ejd_prepare_dir() {
  local dir=$1 join=$2 srv=$1/server
  if [[ -z $join ]]; then
    make_pki "$dir"
    # Erlang's TLS users (ejabberd's certfiles) want the certificate and its key in one file.
    (
      umask 077
      cat "$srv/certs/server.crt" "$srv/certs/server.key" >"$srv/certs/server.pem"
      cat "$srv/certs/expired.crt" "$srv/certs/expired.key" >"$srv/certs/expired.pem"
      openssl rand -hex 32 | tr -d '\n' >"$srv/.erlang.cookie"
    )
  else
    cp -a "$join/ca" "$dir/ca"
    cp -a "$join/passwords" "$dir/passwords"
    cp -a "$join/server/certs" "$srv/certs"
    cp "$join/server/.erlang.cookie" "$srv/.erlang.cookie"
  fi
  chmod 0400 "$srv/.erlang.cookie"
}

# Makes DIR's running node join JOIN's node (ejabberd_cluster:join: ejabberd stops on DIR's node,
# its Mnesia schema is replaced by a copy of the cluster's, ejabberd starts again) and waits until
# it serves again (a second start-up line, every port) as a member of the cluster.
ejd_join() {
  local dir=$1 join=$2 wrapper=$3 front=$4 expired=$5
  shift 5
  local joined
  joined=$(ejd_node_of "$join")
  "${ejd_as[@]}" "$ejd_ctl" --config-dir "$dir/server" join_cluster "$joined" \
    >>"$dir/console.log" 2>&1 || {
    ejd_log_tail "$dir"
    echo "test-server: ejabberdctl join_cluster $joined failed" >&2
    return 1
  }
  ejd_started_lines=2 ejd_wait_ready "$dir" "$wrapper" "$front" "$expired" "$@" || return 1
  local members
  members=$("${ejd_as[@]}" "$ejd_ctl" --config-dir "$dir/server" list_cluster 2>&1) || true
  if [[ $members != *"$joined"* ]]; then
    echo "test-server: $joined is not among the cluster's nodes after join_cluster: $members" >&2
    return 1
  fi
}

# start --server ejabberd DIR, or with JOIN (a running ejabberd test server's DIR): start a
# node in DIR that joins JOIN's node.
ejd_cmd_start() {
  local dir=$1 join=${2:-} srv=$1/server
  ejd_use_dir "$dir"
  [[ -x $ejd_ctl ]] || die "ejabberd is not installed (run scripts/install-deps)"
  [[ $(id -u) -eq 0 ]] || die "the ejabberd test server needs root (ejabberdctl runs only as root or $ejd_user)"
  id "$ejd_user" >/dev/null 2>&1 || die "user $ejd_user does not exist (is ejabberd installed?)"
  [[ $dir != *[[:space:]\"\'\\]* ]] || die "DIR must not contain spaces, quotes or backslashes"
  if [[ -e $dir/ejabberd.pid ]] && ejd_ours "$(cat "$dir/ejabberd.pid")" "$dir"; then
    die "a test server is already running in $dir"
  fi
  if [[ -e $dir ]] && [[ -n $(ls -A "$dir") ]]; then
    die "$dir is not empty"
  fi
  if [[ -n $join ]]; then
    [[ $join != "$dir" ]] || die "a node cannot join itself"
    [[ -r $join/env && -r $join/server/ejabberdctl.cfg ]] ||
      die "$join is not an ejabberd test server directory"
    if [[ ! -r $join/ejabberd.pid ]] || ! ejd_ours "$(cat "$join/ejabberd.pid")" "$join"; then
      die "the ejabberd test server in $join is not running"
    fi
  fi
  mkdir -p "$dir"
  chmod 0711 "$dir"
  mkdir -p "$srv/db" "$srv/log" "$srv/upload"
  chmod 0700 "$srv"
  ejd_prepare_dir "$dir" "$join"
  ejd_write_epmd_module "$dir"
  [[ -n $join ]] && echo "$join" >"$dir/cluster"
  chown -R "$ejd_user:" "$srv"
  local attempt starttls direct expired http proxy https dist node wrapper front rc
  for attempt in 1 2 3; do
    read -r starttls direct expired http proxy https dist <<<"$(free_ports 7)"
    node=$(ejd_node_name "$dist")
    ejd_write_ctl_config "$dir" "$node" "$dist"
    ejd_write_config "$dir" "$starttls" "$direct" "$http" "$proxy" "$https"
    chown "$ejd_user:" "$srv/ejabberd.yml" "$srv/ejabberdctl.cfg" "$srv/vm.args" "$srv/inetrc"
    "${ejd_as[@]}" test -r "$srv/ejabberd.yml" ||
      die "user $ejd_user cannot read $srv (choose a DIR whose parents it can traverse, e.g. under /tmp)"
    ejd_launch_node "$dir"
    wrapper=$ejd_wrapper
    ejd_launch_front "$dir" "$expired" "$direct"
    front=$ejd_front_pid
    rc=0
    ejd_wait_ready "$dir" "$wrapper" "$front" "$expired" "$starttls" "$direct" "$http" "$https" \
      "$proxy" "$dist" || rc=$?
    if [[ $rc -eq 0 && -n $join ]]; then
      ejd_join "$dir" "$join" "$wrapper" "$front" "$expired" "$starttls" "$direct" "$http" \
        "$https" "$proxy" "$dist" || rc=1
    fi
    if [[ $rc -eq 0 ]]; then
      [[ -n $join ]] || ejd_make_users "$dir"
      write_env "$dir" "$starttls" "$direct" "$expired" "$http" "$proxy" "$https" ejabberd
      echo "test-server: ejabberd (node $node, pid $(cat "$dir/ejabberd.pid")) for $domain on" \
        "127.0.0.1: starttls $starttls, direct TLS 1.2 $direct, expired-cert $expired (TLS front," \
        "pid $front), http $http, https $https, proxy65 $proxy, Erlang distribution $dist" \
        "${join:+(joined the cluster of $(ejd_node_of "$join"))}" >&2
      return 0
    fi
    ejd_stop_launched "$dir" "$wrapper"
    if [[ $rc -ne 2 ]]; then
      die "start-up failed; nothing left running"
    fi
    echo "test-server: a picked port was taken meanwhile; retrying with new ports" >&2
    mv "$srv/log/ejabberd.log" "$srv/log/ejabberd.log.attempt$attempt" 2>/dev/null || true
    mv "$dir/console.log" "$dir/console.log.attempt$attempt"
    # The next attempt's node has another name (its port is in it): a fresh Mnesia directory.
    find "$srv/db" -mindepth 1 -delete
  done
  die "could not bind free ports in 3 attempts"
}

ejd_cmd_stop() {
  local dir=$1
  ejd_use_dir "$dir"
  if [[ ! -e $dir/ejabberd.pid && ! -e $dir/front.pid ]]; then
    echo "test-server: no server recorded in $dir" >&2
    return 0
  fi
  ejd_stop_all "$dir"
}

ejd_cmd_status() {
  local dir=$1 pid
  ejd_use_dir "$dir"
  [[ -r $dir/ejabberd.pid ]] || die "not running (no pid file in $dir)"
  pid=$(cat "$dir/ejabberd.pid")
  ejd_ours "$pid" "$dir" || die "not running (pid $pid is not our ejabberd)"
  echo "running: pid $pid"
}

# SIGKILL to the node (Mnesia recovers from its log on revive); the TLS front stays.
ejd_cmd_crash() {
  local dir=$1 pid deadline
  ejd_use_dir "$dir"
  [[ -r $dir/ejabberd.pid ]] || die "not running (no pid file in $dir)"
  pid=$(cat "$dir/ejabberd.pid")
  ejd_ours "$pid" "$dir" || die "not running (pid $pid is not our ejabberd)"
  kill -KILL "$pid"
  deadline=$((SECONDS + stop_deadline_s))
  while alive "$pid"; do
    ((SECONDS < deadline)) || die "ejabberd (pid $pid) survived SIGKILL"
    sleep 0.05
  done
  rm -f "$dir/ejabberd.pid"
}

# Starts the node of DIR again after a crash (or a stop): same config, node, ports and data.
ejd_cmd_revive() {
  local dir=$1 wrapper front n=1
  ejd_use_dir "$dir"
  [[ -r $dir/env ]] || die "no test server environment in $dir (did start succeed?)"
  if [[ -e $dir/ejabberd.pid ]] && ejd_ours "$(cat "$dir/ejabberd.pid")" "$dir"; then
    die "the test server in $dir is running"
  fi
  # ejd_wait_ready reads the log for the start-up line: the new run gets a log of its own.
  while [[ -e $dir/server/log/ejabberd.log.run$n ]]; do n=$((n + 1)); done
  [[ -e $dir/server/log/ejabberd.log ]] &&
    mv "$dir/server/log/ejabberd.log" "$dir/server/log/ejabberd.log.run$n"
  # shellcheck disable=SC1091
  source "$dir/env"
  local dist
  dist=$(sed -n 's/^ERL_DIST_PORT=//p' "$dir/server/ejabberdctl.cfg")
  front=
  [[ -r $dir/front.pid ]] && front=$(cat "$dir/front.pid")
  if [[ -z $front ]] || ! ejd_front_ours "$front" "$dir"; then
    ejd_launch_front "$dir" "$XMPP_TEST_EXPIRED_PORT" "$XMPP_TEST_DIRECT_PORT"
    front=$ejd_front_pid
  fi
  ejd_launch_node "$dir"
  wrapper=$ejd_wrapper
  ejd_wait_ready "$dir" "$wrapper" "$front" "$XMPP_TEST_EXPIRED_PORT" "$XMPP_TEST_PORT" \
    "$XMPP_TEST_DIRECT_PORT" "$XMPP_TEST_HTTP_PORT" "$XMPP_TEST_HTTPS_PORT" \
    "$XMPP_TEST_PROXY_PORT" "$dist" ||
    die "ejabberd did not come back (see $dir/console.log)"
}

ejd_cmd_adduser() {
  local dir=$1 user=$2 password
  ejd_use_dir "$dir"
  [[ -r $dir/env ]] || die "no test server environment in $dir (did start succeed?)"
  [[ $user =~ ^[a-z0-9][a-z0-9._-]{0,63}$ ]] || die "bad user name: $user (a-z 0-9 . _ -)"
  password=$(openssl rand -base64 18 | tr '+/' '-_')
  (set -o noclobber && umask 077 && printf '%s\n' "$password" >"$dir/passwords/$user") 2>/dev/null ||
    die "$user@$domain exists already in $dir"
  if ! printf '%s\n' "$password" | ejd_register "$dir" "$user" "$domain" >>"$dir/console.log" 2>&1; then
    rm -f "$dir/passwords/$user"
    die "could not create $user@$domain (see $dir/console.log)"
  fi
}
