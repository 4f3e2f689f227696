# bash completion for xmpp(1). Source this file, or install it as
# /usr/share/bash-completion/completions/xmpp.
#
# Adding a command: one line in _xmpp_command_table (and, if one of its options takes a fixed
# set of values or a file, a case in _xmpp_complete_value; if an argument is a file, a case in
# _xmpp_complete_argument). tests/drift/check runs this file and compares what it offers with
# `xmpp --help`.

# Global options, accepted before and after the command. A trailing "=" marks an option that
# takes a value.
_xmpp_global_options="-h --help --version
  -a= --account= -j= --jid= --password-file= --password-command= --anonymous --sasl=
  --resource= --host= --port= --tls= --ca-file= --pin= --insecure --retries= --timeout=
  --json -q --quiet -v --verbose --trace= --timing --persist= --config="

# One line per command: its name, then "+SUB" for each subcommand, then its options.
_xmpp_command_table=(
  "send -m= --message= --lines --type= --subject= --thread= --id= --url= --attach= --muc --nick= --room-password= --receipt --raw --dry-run"
  "listen --from= --type= --muc= --nick= --room-password= --count= --presence --carbons --no-receipts"
  "roster +list +add +set +remove +subscribe +unsubscribe +approve +deny +pending +export +import --presence --name= --group= --subscribe --no-groups --dry-run --prune"
  "muc +list +info +join +send +occupants +subject +history +create +config +destroy +invite +affiliation +role --nick= --nick-fallback --password= --history= --listen --count= -m= --message= --lines --max= --since= --set= --name= --description= --persistent --members-only --public --hidden --moderated --exist-ok --reason= --alternate= --direct --list="
  "pubsub +nodes +info +create +configure +delete +purge +publish +items +retract +subscribe +unsubscribe +subscriptions +affiliations +listen --node= --set= --redirect= --id= --text= --payload-file= --json-payload --atom --title= --link= --summary= --geoloc= --accuracy= --option= --create-if-missing --max= --notify --jid= --owner --count="
  "disco +info +items +tree --node= --depth= --concurrency="
  "cmd +list +show +run --field= --answers= --action= --interactive"
  "jingle-file +send +receive --transport= --description= --dir= --from= --count= --max-size= --overwrite --keep-partial --proxy= --no-proxy --no-direct --allow-local-candidates"
  "probe --nagios --warn-days= --crit-days="
  "ping --count= --interval="
  "version"
  "time"
  "config +show +check"
  "help"
)

# Prints the names of the commands, one per line.
_xmpp_commands() {
  local line
  for line in "${_xmpp_command_table[@]}"; do
    printf '%s\n' "${line%% *}"
  done
}

# Prints the table entry of command $1 without its name (nothing for an unknown command).
_xmpp_command_entry() {
  local line
  for line in "${_xmpp_command_table[@]}"; do
    if [[ ${line%% *} == "$1" ]]; then
      [[ $line == *" "* ]] && printf '%s\n' "${line#* }"
      return 0
    fi
  done
  return 1
}

# Account names: the [account.NAME] section headers of the config file (only headers are read).
_xmpp_accounts() {
  local config=${XDG_CONFIG_HOME:-$HOME/.config}/xmpp/config word
  local i
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    [[ ${COMP_WORDS[i]} == --config ]] && config=${COMP_WORDS[i + 1]}
  done
  [[ -r $config ]] || return 0
  while IFS= read -r word; do
    if [[ $word =~ ^[[:space:]]*\[account\.([^]]+)\] ]]; then
      printf '%s\n' "${BASH_REMATCH[1]}"
    fi
  done <"$config"
}

# Completes the value of option $1 from the word $2 into COMPREPLY.
_xmpp_complete_value() {
  local option=$1 cur=$2
  case $option in
    --tls)
      mapfile -t COMPREPLY < <(compgen -W "auto starttls direct" -- "$cur") ;;
    --type)
      mapfile -t COMPREPLY < <(compgen -W "chat normal headline groupchat" -- "$cur") ;;
    --action)
      mapfile -t COMPREPLY < <(compgen -W "execute next prev complete cancel" -- "$cur") ;;
    --list)
      mapfile -t COMPREPLY < <(compgen -W "owner admin member outcast" -- "$cur") ;;
    --transport)
      mapfile -t COMPREPLY < <(compgen -W "auto s5b ibb" -- "$cur") ;;
    --dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    --ca-file | --password-file | --config | --attach | --answers | --payload-file)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    --trace)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"; [[ - == "$cur"* ]] && echo -) ;;
    --password-command)
      mapfile -t COMPREPLY < <(compgen -c -- "$cur") ;;
    --host)
      mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur") ;;
    -a | --account)
      mapfile -t COMPREPLY < <(compgen -W "$(_xmpp_accounts)" -- "$cur") ;;
    --sasl)
      # A comma-separated list: complete the last element.
      local done_part="" last=$cur
      if [[ $cur == *,* ]]; then
        done_part=${cur%,*},
        last=${cur##*,}
      fi
      mapfile -t COMPREPLY < <(compgen -P "$done_part" -W "SCRAM-SHA-512-PLUS SCRAM-SHA-256-PLUS
        SCRAM-SHA-1-PLUS SCRAM-SHA-512 SCRAM-SHA-256 SCRAM-SHA-1 PLAIN" -- "$last") ;;
    *)
      COMPREPLY=() ;;
  esac
}

# Completes positional argument $3 (0 = the first after the command and its subcommand) of
# command $1, subcommand $2, from the word $4 into COMPREPLY. JIDs are not completed.
_xmpp_complete_argument() {
  local command=$1 subcommand=$2 index=$3 cur=$4
  case "$command $subcommand $index" in
    "roster export 0" | "roster import 0")
      # A file, or - for standard output / input.
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"; [[ - == "$cur"* ]] && echo -) ;;
    "muc affiliation 2")
      mapfile -t COMPREPLY < <(compgen -W "owner admin member outcast none" -- "$cur") ;;
    "muc role 2")
      mapfile -t COMPREPLY < <(compgen -W "moderator participant visitor none" -- "$cur") ;;
    "pubsub nodes 0" | "pubsub "*" 0")
      mapfile -t COMPREPLY < <(compgen -W "pep" -- "$cur") ;;
    "jingle-file send "[1-9]*)
      # FILE... after the JID.
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
}

_xmpp() {
  COMPREPLY=()
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=""
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

  # Find the command (and subcommand) before the cursor, skipping options and their values.
  local command="" subcommand="" entry="" nargs=0 word i takes_value="" value_of=""
  local options
  options=" $(printf '%s ' $_xmpp_global_options)"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -n $takes_value ]]; then
      # With "=" in COMP_WORDBREAKS (the default), "--tls=direct" arrives as "--tls" "=" "direct".
      [[ $word == = ]] || takes_value=""
      continue
    fi
    case $word in
      --*=* | -) ;;
      -*)
        if [[ $options == *" $word= "* ]]; then
          takes_value=1
          value_of=$word
        fi ;;
      *)
        if [[ -z $command ]]; then
          command=$word
          entry=$(_xmpp_command_entry "$command")
          options+=" $entry "
        elif [[ -z $subcommand && " $entry " == *" +$word "* ]]; then
          subcommand=$word
        else
          ((nargs++))
        fi ;;
    esac
  done

  # The value of an option: "--tls direct" or "--tls=direct".
  if [[ $cur == --*=* ]]; then
    local option=${cur%%=*}
    _xmpp_complete_value "$option" "${cur#*=}"
    local k
    for k in "${!COMPREPLY[@]}"; do COMPREPLY[k]="$option=${COMPREPLY[k]}"; done
    return 0
  fi
  if [[ $cur == = && $options == *" $prev= "* ]]; then
    _xmpp_complete_value "$prev" ""
    return 0
  fi
  if [[ -n $takes_value ]]; then
    _xmpp_complete_value "$value_of" "$cur"
    return 0
  fi

  if [[ $cur == -* ]]; then
    local names="" name
    for name in $options; do
      [[ $name == +* ]] || names+=" ${name%=}"
    done
    mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
    return 0
  fi

  if [[ -z $command ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_xmpp_commands)" -- "$cur")
  elif [[ $command == help ]]; then
    # `xmpp help COMMAND` explains the other commands.
    local topics
    topics=$(_xmpp_commands | grep -vx help)
    ((nargs == 0)) && mapfile -t COMPREPLY < <(compgen -W "$topics" -- "$cur")
  elif [[ -z $subcommand && $entry == *+* ]]; then
    local subs="" name
    for name in $entry; do
      [[ $name == +* ]] && subs+=" ${name#+}"
    done
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
  else
    _xmpp_complete_argument "$command" "$subcommand" "$nargs" "$cur"
  fi
  return 0
}

complete -F _xmpp xmpp
