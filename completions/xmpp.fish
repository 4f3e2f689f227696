# fish completion for xmpp(1). Install as ~/.config/fish/completions/xmpp.fish or in
# /usr/share/fish/vendor_completions.d/.
#
# Adding a command: one line in __xmpp_commands and one `complete` line per option, conditioned
# on `__xmpp_using_command NAME`. tests/drift/check runs this file and compares what it
# offers with `xmpp --help`.

# The commands, with a description each.
function __xmpp_commands
    printf '%s\t%s\n' \
        send 'send messages to people or rooms, confirmed by the server' \
        listen 'print messages (and presence) as they arrive' \
        roster 'contacts and presence subscriptions (RFC 6121)' \
        muc 'chat rooms: join, send, create, configure, administer (XEP-0045)' \
        pubsub 'publish-subscribe: nodes, items, publish, subscribe, listen (XEP-0060)' \
        disco 'service discovery: info, items or the whole tree (XEP-0030)' \
        cmd 'ad-hoc commands: list, show a form, run with answers (XEP-0050)' \
        jingle-file 'peer-to-peer files: send, or receive into a directory (XEP-0234)' \
        probe 'one-shot server report: DNS, TLS, features, services' \
        ping 'measure round-trip times (XEP-0199)' \
        version 'ask an entity which software it runs (XEP-0092)' \
        time 'ask an entity for its clock and time zone (XEP-0202)' \
        config 'the settings in effect and where each came from; check the set-up' \
        help 'print the commands, or the options of a command'
end

# Prints the command on the command line (before the cursor), skipping global options and
# their values; fails when there is none yet.
function __xmpp_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip_value 0
    for token in $tokens
        if test $skip_value -eq 1
            set skip_value 0
            continue
        end
        switch $token
            # The global options that take a value (in a separate word).
            case -a --account -j --jid --password-file --password-command --sasl --resource \
                --host --port --tls --ca-file --pin --retries --timeout --trace --persist --config
                set skip_value 1
            case '-*'
            case '*'
                echo $token
                return 0
        end
    end
    return 1
end

function __xmpp_needs_command
    not __xmpp_command >/dev/null
end

# True when the command on the line is $argv[1].
function __xmpp_using_command
    test "$(__xmpp_command)" = $argv[1]
end

# True for the first argument of `xmpp help`, which explains the other commands.
function __xmpp_help_needs_command
    set -l tokens (commandline -opc)
    __xmpp_using_command help; and test "$tokens[-1]" = help
end

# Account names: the [account.NAME] section headers of the config file (only headers are read).
function __xmpp_accounts
    set -l config_home $XDG_CONFIG_HOME
    test -n "$config_home"; or set config_home ~/.config
    set -l config $config_home/xmpp/config
    set -l tokens (commandline -opc)
    if set -l i (contains -i -- --config $tokens)
        set config $tokens[(math $i + 1)]
    end
    test -r "$config"; or return 0
    string replace -rf '^\s*\[account\.([^]]+)\].*' '$1' <$config
end

complete -c xmpp -f

# Commands.
complete -c xmpp -n __xmpp_needs_command -a '(__xmpp_commands)'
complete -c xmpp -n __xmpp_help_needs_command -a '(__xmpp_commands | string match -v -r "^help\t")'

# Global options, accepted before and after the command.
complete -c xmpp -s h -l help -d 'print help and exit'
complete -c xmpp -l version -d 'print the version and exit'
complete -c xmpp -s a -l account -x -a '(__xmpp_accounts)' -d 'use this account section of the config file'
complete -c xmpp -s j -l jid -x -d 'log in as this JID'
complete -c xmpp -l password-file -r -F -d 'read the password from the first line of a file'
complete -c xmpp -l password-command -x -a '(__fish_complete_command)' -d 'run a command that prints the password'
complete -c xmpp -l anonymous -d 'log in with SASL ANONYMOUS'
complete -c xmpp -l sasl -x -a '(__fish_append , SCRAM-SHA-512-PLUS SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-512 SCRAM-SHA-256 SCRAM-SHA-1 PLAIN)' -d 'only use these SASL mechanisms'
complete -c xmpp -l resource -x -d 'bind this resource'
complete -c xmpp -l host -x -a '(__fish_print_hostnames)' -d 'connect to this host instead of resolving SRV records'
complete -c xmpp -l port -x -d 'connect to this port'
complete -c xmpp -l tls -x -a 'auto starttls direct' -d 'how TLS is started'
complete -c xmpp -l ca-file -r -F -d 'trust this CA bundle instead of the system store'
complete -c xmpp -l pin -x -d 'accept only this SPKI SHA-256 (base64); repeatable'
complete -c xmpp -l insecure -d 'do not verify the certificate (warns)'
complete -c xmpp -l retries -x -d 'retry connection failures N times'
complete -c xmpp -l timeout -x -d 'overall deadline in seconds'
complete -c xmpp -l json -d 'machine output (JSON)'
complete -c xmpp -s q -l quiet -d 'print less on stderr'
complete -c xmpp -s v -l verbose -d 'print more on stderr'
complete -c xmpp -l trace -r -F -a - -d 'write the XML exchanged to a file (- for stderr)'
complete -c xmpp -l timing -d 'at exit, print how long each phase took on stderr'
complete -c xmpp -l persist -x -a '60s 10m 1h no stop check' -d 'reuse one stream through a background master, or stop/check it'
complete -c xmpp -l config -r -F -d 'read this config file'

# send
complete -c xmpp -n '__xmpp_using_command send' -s m -l message -x -d 'the message body'
complete -c xmpp -n '__xmpp_using_command send' -l lines -d 'send each stdin line as its own message'
complete -c xmpp -n '__xmpp_using_command send' -l type -x -a 'chat normal headline groupchat' -d 'message type'
complete -c xmpp -n '__xmpp_using_command send' -l subject -x -d 'message subject'
complete -c xmpp -n '__xmpp_using_command send' -l thread -x -d 'conversation thread id'
complete -c xmpp -n '__xmpp_using_command send' -l id -x -d 'message id'
complete -c xmpp -n '__xmpp_using_command send' -l url -x -d 'add an out-of-band link'
complete -c xmpp -n '__xmpp_using_command send' -l attach -r -F -d 'upload a file and send its URL'
complete -c xmpp -n '__xmpp_using_command send' -l muc -d 'recipients are rooms'
complete -c xmpp -n '__xmpp_using_command send' -l nick -x -d 'nick in the rooms'
complete -c xmpp -n '__xmpp_using_command send' -l room-password -x -d 'password of the rooms'
complete -c xmpp -n '__xmpp_using_command send' -l receipt -d 'wait for delivery receipts'
complete -c xmpp -n '__xmpp_using_command send' -l raw -d 'stdin is stanza XML sent as is'
complete -c xmpp -n '__xmpp_using_command send' -l dry-run -d 'print the stanzas; connect to nothing'

# listen
complete -c xmpp -n '__xmpp_using_command listen' -l from -x -d 'only from this JID'
complete -c xmpp -n '__xmpp_using_command listen' -l type -x -a 'chat normal headline groupchat error' -d 'only messages of this type'
complete -c xmpp -n '__xmpp_using_command listen' -l muc -x -d 'join this room'
complete -c xmpp -n '__xmpp_using_command listen' -l nick -x -d 'nick in the rooms'
complete -c xmpp -n '__xmpp_using_command listen' -l room-password -x -d 'password of the rooms'
complete -c xmpp -n '__xmpp_using_command listen' -l count -x -d 'exit after N messages'
complete -c xmpp -n '__xmpp_using_command listen' -l presence -d 'print presence too'
complete -c xmpp -n '__xmpp_using_command listen' -l carbons -d 'also print carbon copies (XEP-0280)'
complete -c xmpp -n '__xmpp_using_command listen' -l no-receipts -d 'do not answer delivery receipt requests'

# roster
set -l __xmpp_roster_seen '__xmpp_using_command roster; and __fish_seen_subcommand_from'
set -l __xmpp_roster_none '__xmpp_using_command roster; and not __fish_seen_subcommand_from list add set remove subscribe unsubscribe approve deny pending export import'
complete -c xmpp -n $__xmpp_roster_none -f -a list -d 'the contacts (the default)'
complete -c xmpp -n $__xmpp_roster_none -f -a add -d 'add a contact'
complete -c xmpp -n $__xmpp_roster_none -f -a set -d "change a contact's name or groups"
complete -c xmpp -n $__xmpp_roster_none -f -a remove -d 'remove a contact'
complete -c xmpp -n $__xmpp_roster_none -f -a subscribe -d "ask to see a contact's presence"
complete -c xmpp -n $__xmpp_roster_none -f -a unsubscribe -d "stop seeing a contact's presence"
complete -c xmpp -n $__xmpp_roster_none -f -a approve -d 'let a contact see your presence'
complete -c xmpp -n $__xmpp_roster_none -f -a deny -d "refuse or revoke a contact's subscription"
complete -c xmpp -n $__xmpp_roster_none -f -a pending -d 'subscription requests waiting for you'
complete -c xmpp -n $__xmpp_roster_none -f -a export -d 'write the roster as JSON'
complete -c xmpp -n $__xmpp_roster_none -f -a import -d "make the roster hold a file's contacts"
# The FILE of export and import (- is standard output / input).
complete -c xmpp -n "$__xmpp_roster_seen export import" -F -a - -d 'file, or - for stdout/stdin'
complete -c xmpp -n '__xmpp_using_command roster' -l presence -d 'list: also show who is online now'
complete -c xmpp -n '__xmpp_using_command roster' -l name -x -d "add, set: the contact's name"
complete -c xmpp -n '__xmpp_using_command roster' -l group -x -d 'add, set: a group of the contact (repeatable)'
complete -c xmpp -n '__xmpp_using_command roster' -l no-groups -d 'set: take the contact out of every group'
complete -c xmpp -n '__xmpp_using_command roster' -l subscribe -d 'add: also ask to see the presence; import: ask the to/both contacts'
complete -c xmpp -n '__xmpp_using_command roster' -l dry-run -d 'import: only say what would change'
complete -c xmpp -n '__xmpp_using_command roster' -l prune -d 'import: also remove contacts the file does not have'

# muc
set -l __xmpp_muc_subcommands list info join send occupants subject history create config destroy invite affiliation role
set -l __xmpp_muc_none "__xmpp_using_command muc; and not __fish_seen_subcommand_from $__xmpp_muc_subcommands"
complete -c xmpp -n $__xmpp_muc_none -f -a list -d 'the rooms of a service'
complete -c xmpp -n $__xmpp_muc_none -f -a info -d 'what a room says about itself'
complete -c xmpp -n $__xmpp_muc_none -f -a join -d 'enter a room, print what comes (--listen: stay)'
complete -c xmpp -n $__xmpp_muc_none -f -a send -d 'send a message to a room'
complete -c xmpp -n $__xmpp_muc_none -f -a occupants -d 'who is in a room'
complete -c xmpp -n $__xmpp_muc_none -f -a subject -d 'read or set the subject'
complete -c xmpp -n $__xmpp_muc_none -f -a history -d "the room's archive (XEP-0313)"
complete -c xmpp -n $__xmpp_muc_none -f -a create -d 'create a room'
complete -c xmpp -n $__xmpp_muc_none -f -a config -d 'show or change the configuration'
complete -c xmpp -n $__xmpp_muc_none -f -a destroy -d 'destroy a room'
complete -c xmpp -n $__xmpp_muc_none -f -a invite -d 'invite people'
complete -c xmpp -n $__xmpp_muc_none -f -a affiliation -d 'list or set affiliations'
complete -c xmpp -n $__xmpp_muc_none -f -a role -d "change an occupant's role (none kicks)"
# The third argument of affiliation and role (after ROOM and JID or NICK).
complete -c xmpp -n '__xmpp_using_command muc; and __fish_seen_subcommand_from affiliation; and test (count (__fish_print_cmd_args_without_options)) -eq 5' -f -a 'owner admin member outcast none'
complete -c xmpp -n '__xmpp_using_command muc; and __fish_seen_subcommand_from role; and test (count (__fish_print_cmd_args_without_options)) -eq 5' -f -a 'moderator participant visitor none'
complete -c xmpp -n '__xmpp_using_command muc' -l nick -x -d 'our nick in the room'
complete -c xmpp -n '__xmpp_using_command muc' -l nick-fallback -d 'join: if the nick is taken, try NICK_2 to NICK_4'
complete -c xmpp -n '__xmpp_using_command muc' -l password -x -d "the room's password (visible in ps; XMPP_ROOM_PASSWORD otherwise)"
complete -c xmpp -n '__xmpp_using_command muc' -l history -x -d 'join: at most N messages of history'
complete -c xmpp -n '__xmpp_using_command muc' -l listen -d 'join: stay and print what happens'
complete -c xmpp -n '__xmpp_using_command muc' -l count -x -d 'join --listen: leave after N messages'
complete -c xmpp -n '__xmpp_using_command muc' -s m -l message -x -d 'send: the message body'
complete -c xmpp -n '__xmpp_using_command muc' -l lines -d 'send: each stdin line is its own message'
complete -c xmpp -n '__xmpp_using_command muc' -l max -x -d 'history: the last N messages'
complete -c xmpp -n '__xmpp_using_command muc' -l since -x -d 'history: since a time or a duration (2h, 7d)'
complete -c xmpp -n '__xmpp_using_command muc' -l set -x -d 'create, config: set a field VAR=VALUE (repeatable)'
complete -c xmpp -n '__xmpp_using_command muc' -l name -x -d "create, config: the room's name"
complete -c xmpp -n '__xmpp_using_command muc' -l description -x -d "create, config: the room's description"
complete -c xmpp -n '__xmpp_using_command muc' -l persistent -d 'create, config: keep the room when empty'
complete -c xmpp -n '__xmpp_using_command muc' -l members-only -d 'create, config: only members may enter'
complete -c xmpp -n '__xmpp_using_command muc' -l public -d 'create, config: list the room in the directory'
complete -c xmpp -n '__xmpp_using_command muc' -l hidden -d 'create, config: keep the room out of the directory'
complete -c xmpp -n '__xmpp_using_command muc' -l moderated -d 'create, config: only participants may speak'
complete -c xmpp -n '__xmpp_using_command muc' -l exist-ok -d 'create: an existing room is success'
complete -c xmpp -n '__xmpp_using_command muc' -l reason -x -d 'destroy, invite, affiliation, role: why'
complete -c xmpp -n '__xmpp_using_command muc' -l alternate -x -d 'destroy: a room to go to instead'
complete -c xmpp -n '__xmpp_using_command muc' -l direct -d 'invite: send XEP-0249 invitations'
complete -c xmpp -n '__xmpp_using_command muc' -l list -x -a 'owner admin member outcast' -d 'affiliation: list only this affiliation'

# pubsub
set -l __xmpp_pubsub_subcommands nodes info create configure delete purge publish items retract subscribe unsubscribe subscriptions affiliations listen
set -l __xmpp_pubsub_none "__xmpp_using_command pubsub; and not __fish_seen_subcommand_from $__xmpp_pubsub_subcommands"
complete -c xmpp -n $__xmpp_pubsub_none -f -a nodes -d 'the nodes of a service'
complete -c xmpp -n $__xmpp_pubsub_none -f -a info -d "a node's type, features and meta-data"
complete -c xmpp -n $__xmpp_pubsub_none -f -a create -d 'create a node'
complete -c xmpp -n $__xmpp_pubsub_none -f -a configure -d "show or change a node's configuration"
complete -c xmpp -n $__xmpp_pubsub_none -f -a delete -d 'delete a node'
complete -c xmpp -n $__xmpp_pubsub_none -f -a purge -d 'remove every item of a node'
complete -c xmpp -n $__xmpp_pubsub_none -f -a publish -d 'publish an item'
complete -c xmpp -n $__xmpp_pubsub_none -f -a items -d "read a node's items"
complete -c xmpp -n $__xmpp_pubsub_none -f -a retract -d 'delete items'
complete -c xmpp -n $__xmpp_pubsub_none -f -a subscribe -d 'subscribe to a node'
complete -c xmpp -n $__xmpp_pubsub_none -f -a unsubscribe -d 'cancel a subscription'
complete -c xmpp -n $__xmpp_pubsub_none -f -a subscriptions -d "our subscriptions, or a node's subscribers"
complete -c xmpp -n $__xmpp_pubsub_none -f -a affiliations -d 'list or set affiliations'
complete -c xmpp -n $__xmpp_pubsub_none -f -a listen -d "print a node's events as they come"
complete -c xmpp -n '__xmpp_using_command pubsub; and __fish_seen_subcommand_from $__xmpp_pubsub_subcommands; and test (count (__fish_print_cmd_args_without_options)) -eq 3' -f -a pep -d 'our own PEP service'
complete -c xmpp -n '__xmpp_using_command pubsub' -l node -x -d 'nodes: the children of this collection node'
complete -c xmpp -n '__xmpp_using_command pubsub' -l set -x -d 'a node configuration field (affiliations: JID=AFFILIATION)'
complete -c xmpp -n '__xmpp_using_command pubsub' -l redirect -x -d 'delete: where subscribers should go instead'
complete -c xmpp -n '__xmpp_using_command pubsub' -l id -x -d 'publish: the item id; items: only this item'
complete -c xmpp -n '__xmpp_using_command pubsub' -l text -x -d 'publish: the payload is TEXT'
complete -c xmpp -n '__xmpp_using_command pubsub' -l payload-file -r -F -d 'publish: the payload from a file (- = stdin)'
complete -c xmpp -n '__xmpp_using_command pubsub' -l json-payload -d 'publish: stdin or the file is JSON'
complete -c xmpp -n '__xmpp_using_command pubsub' -l atom -d 'publish: an Atom entry'
complete -c xmpp -n '__xmpp_using_command pubsub' -l title -x -d "publish --atom: the entry's title"
complete -c xmpp -n '__xmpp_using_command pubsub' -l link -x -d "publish --atom: the entry's link"
complete -c xmpp -n '__xmpp_using_command pubsub' -l summary -x -d "publish --atom: the entry's summary"
complete -c xmpp -n '__xmpp_using_command pubsub' -l geoloc -x -d 'publish: a location, LAT,LON'
complete -c xmpp -n '__xmpp_using_command pubsub' -l accuracy -x -d 'publish --geoloc: accuracy in meters'
complete -c xmpp -n '__xmpp_using_command pubsub' -l option -x -d 'publish: a publish-option'
complete -c xmpp -n '__xmpp_using_command pubsub' -l create-if-missing -d 'publish: create the node if missing'
complete -c xmpp -n '__xmpp_using_command pubsub' -l max -x -d 'items: the N most recent'
complete -c xmpp -n '__xmpp_using_command pubsub' -l notify -d 'retract: notify the subscribers'
complete -c xmpp -n '__xmpp_using_command pubsub' -l jid -x -d 'subscribe, unsubscribe: the subscriber'
complete -c xmpp -n '__xmpp_using_command pubsub' -l owner -d "subscriptions, affiliations: the node's own lists"
complete -c xmpp -n '__xmpp_using_command pubsub' -l count -x -d 'listen: exit after N events'

# disco
complete -c xmpp -n '__xmpp_using_command disco; and not __fish_seen_subcommand_from info items tree' -f -a 'info' -d 'identities, features and extension forms'
complete -c xmpp -n '__xmpp_using_command disco; and not __fish_seen_subcommand_from info items tree' -f -a 'items' -d 'all items, every page'
complete -c xmpp -n '__xmpp_using_command disco; and not __fish_seen_subcommand_from info items tree' -f -a 'tree' -d 'walk the items recursively'
complete -c xmpp -n '__xmpp_using_command disco' -l node -x -d 'the node to ask about'
complete -c xmpp -n '__xmpp_using_command disco' -l depth -x -d 'tree: levels of items below JID'
complete -c xmpp -n '__xmpp_using_command disco' -l concurrency -x -d 'tree: requests in flight'

# cmd
set -l __xmpp_cmd_none '__xmpp_using_command cmd; and not __fish_seen_subcommand_from list show run'
complete -c xmpp -n $__xmpp_cmd_none -f -a list -d 'the commands an entity offers'
complete -c xmpp -n $__xmpp_cmd_none -f -a show -d "the first stage's form, as a template"
complete -c xmpp -n $__xmpp_cmd_none -f -a run -d "run a command, filling in every stage's form"
complete -c xmpp -n '__xmpp_using_command cmd' -l field -x -d 'run: answer field VAR=VALUE (repeatable; VAR=@FILE)'
complete -c xmpp -n '__xmpp_using_command cmd' -l answers -r -F -d 'run: answers from a JSON file'
complete -c xmpp -n '__xmpp_using_command cmd' -l action -x -a 'execute next prev complete cancel' -d 'run: the action at each stage that offers it'
complete -c xmpp -n '__xmpp_using_command cmd' -l interactive -d 'run: ask for every field on the terminal'

# jingle-file
set -l __xmpp_jingle_none '__xmpp_using_command jingle-file; and not __fish_seen_subcommand_from send receive'
complete -c xmpp -n $__xmpp_jingle_none -f -a send -d 'send files to a JID, each verified by the peer'
complete -c xmpp -n $__xmpp_jingle_none -f -a receive -d 'receive offered files into a directory, verified'
# The FILEs of send, after its JID (xmpp jingle-file send JID FILE...).
complete -c xmpp -n '__xmpp_using_command jingle-file; and __fish_seen_subcommand_from send; and test (count (__fish_print_cmd_args_without_options)) -ge 4' -F
complete -c xmpp -n '__xmpp_using_command jingle-file' -l transport -x -a 'auto s5b ibb' -d 'send: auto (SOCKS5, falling back to in-band), s5b or ibb alone'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l description -x -d 'send: a description sent with each file'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l dir -x -a '(__fish_complete_directories)' -d 'receive: where files go'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l from -x -d 'receive: only from this JID; bare: any resource (repeatable)'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l count -x -d 'receive: exit after N files'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l max-size -x -d 'receive: decline larger files (k, M, G: powers of 1024)'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l overwrite -d 'receive: replace an existing file of the same name'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l keep-partial -d 'receive: keep a broken file as NAME.part; resume it'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l proxy -x -d 'offer this SOCKS5 proxy (default: the one our server lists)'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l no-proxy -d 'offer no proxy candidate'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l no-direct -d 'offer no direct candidate'
complete -c xmpp -n '__xmpp_using_command jingle-file' -l allow-local-candidates -d 'offer and dial loopback and private addresses'

# probe
complete -c xmpp -n '__xmpp_using_command probe' -l nagios -d 'Nagios/Icinga plugin output'
complete -c xmpp -n '__xmpp_using_command probe' -l warn-days -x -d 'WARNING when the certificate expires within N days'
complete -c xmpp -n '__xmpp_using_command probe' -l crit-days -x -d 'CRITICAL when the certificate expires within N days'

# ping
complete -c xmpp -n '__xmpp_using_command ping' -l count -x -d 'number of pings'
complete -c xmpp -n '__xmpp_using_command ping' -l interval -x -d 'seconds between pings'

# config
complete -c xmpp -n '__xmpp_using_command config; and not __fish_seen_subcommand_from show check' -f -a show -d 'the settings a command would use and where each came from'
complete -c xmpp -n '__xmpp_using_command config; and not __fish_seen_subcommand_from show check' -f -a check -d 'check config file, password, server and login'
