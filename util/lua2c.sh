#!/bin/sh
# The typed interface between the module and its Redis scripts, generated
# from src/lua/*.lua:
#
#     lua2c.sh <dir> h > ngx_http_hashpay_scripts.h
#     lua2c.sh <dir> c > ngx_http_hashpay_scripts.c
#     lua2c.sh <dir> lua <name>     (one script as Redis gets it)
#
# Every <name>.lua is a script; files whose name starts with "_" are shared
# helpers, put in front of a script in name order: _lib.lua always, and
# any other that defines a function hp_<name> (a local; hp.<name> in an
# older tree) the script (or a helper it takes) calls, so that no script runs definitions it never uses.  A script's header
# comment (its first --[[ ... ]] block) declares its arguments, one line
# each, in order, with a name:
#
#     KEYS[1]    events: <prefix>:events (the stream)
#     ARGV[1]    prefix: the key prefix
#     ARGV[14 .. 13+n]   codes: variable, from here on
#     ARGV[14+n ..]      hashtags: variable, after the codes
#
# The header (h) has an enum of the scripts (NGX_HTTP_HASHPAY_SCRIPT_TWEET)
# and, per script, the index of each argument in the array given to
# ngx_http_hashpay_batch_eval(), KEYS first (NGX_HTTP_HASHPAY_TWEET_KEY_EVENTS,
# NGX_HTTP_HASHPAY_TWEET_ARG_PREFIX), the number of keys and of fixed
# arguments; the table (c) has each script's source, its SHA1 as EVALSHA
# takes it, and the same counts, which ngx_http_hashpay_batch_eval() checks.
#
# The build fails when a header line names no argument, when the slots are
# not numbered 1, 2, ... in order, when the script's code reads a KEYS[n]
# or ARGV[n] its header does not declare, when it never calls the slot
# probe (hp_probe() or hp_moving(), _lib.lua), or when the Lua does not compile
# (luac5.1 -p, the Lua of Redis, when it is installed; HASHPAY_LUAC=required
# makes its absence an error too).

set -u

dir=$1
mode=${2:-c}
gen=ngx_http_hashpay
tmp=${TMPDIR:-/tmp}/hashpay-lua2c.$$
trap 'rm -f "$tmp".*' EXIT

fail() {
    echo "lua2c.sh: $*" >&2
    exit 1
}

luac=
for c in luac5.1 luac; do
    if command -v "$c" > /dev/null 2>&1; then
        luac=$c
        break
    fi
done

if [ -z "$luac" ] && [ "${HASHPAY_LUAC:-}" = required ]; then
    fail "luac5.1 not found (apt-get install lua5.1): scripts not checked"
fi

upper() {
    echo "$1" | tr 'a-z' 'A-Z'
}

# the helpers a script needs, in name order: _lib.lua always (it makes
# the helpers hp_<name>), any other _*.lua that defines a function
# hp_<name> the script calls, or that a helper already chosen calls
helpers_of() {
    awk '
        FNR == 1 { file = FILENAME; files[++n] = file }
        /^(local )?function hp[._][a-z_0-9]+/ {
            name = $0
            sub(/^(local )?function hp[._]/, "", name)
            sub(/\(.*/, "", name)
            defines[name] = defines[name] " " file
        }
        {
            line = $0
            sub(/--.*/, "", line)
            while (match(line, /hp[._][a-z_0-9]+/)) {
                uses[file] = uses[file] " " substr(line, RSTART + 3,
                                                   RLENGTH - 3)
                line = substr(line, RSTART + RLENGTH)
            }
        }
        END {
            script = files[n]
            want[script] = 1
            for (i = 1; i < n; i++) {
                if (files[i] ~ /\/_lib\.lua$/) { want[files[i]] = 1 }
            }
            do {
                more = 0
                for (f in want) {
                    k = split(uses[f], u, " ")
                    for (j = 1; j <= k; j++) {
                        m = split(defines[u[j]], d, " ")
                        for (x = 1; x <= m; x++) {
                            if (!(d[x] in want)) { want[d[x]] = 1; more = 1 }
                        }
                    }
                }
            } while (more)
            for (i = 1; i < n; i++) {
                if (files[i] in want) { print files[i] }
            }
        }
    ' "$dir"/_*.lua "$1"
}

# the script as Redis gets it: the helpers it needs, then the script,
# each line ended by a newline
source_of() {
    for lib in $(helpers_of "$1"); do
        awk 1 "$lib"
    done
    awk 1 "$1"
}

# "slot <KEYS|ARGV> <n> <name>", "from <n> <name>", "tail <name>", then
# "keys <k>" and "argv <m>"; fails on a header line it cannot read or on
# a use of an undeclared slot in the code
slots_of() {
    awk -v file="$1" '
        function bad(msg) {
            printf "lua2c.sh: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"
            err = 1
            exit 1
        }
        NR == 1 && !/^--\[\[/ { bad("no --[[ header comment on line 1") }
        header && /^\]\]/ { header = 0; body = 1; next }
        NR == 1 { header = 1; next }
        header && /^  (KEYS|ARGV)\[/ {
            line = $0
            sub(/^  /, "", line)
            kind = substr(line, 1, 4)
            br = index(line, "]")
            idx = substr(line, 6, br - 6)
            rest = substr(line, br + 1)
            if (rest !~ /^ +[a-z][a-z0-9_]*: /) {
                bad(kind "[" idx "] names no argument (\"  " kind "[" idx \
                    "]  name: what it is\")")
            }
            sub(/^ +/, "", rest)
            name = substr(rest, 1, index(rest, ":") - 1)
            if (seen[name]++) { bad("argument \"" name "\" declared twice") }
            if (tail) { bad("nothing may follow a variable tail") }
            if (idx ~ /^[0-9]+$/) {
                if (from) { bad("a fixed slot after a variable one") }
                if (kind == "KEYS") {
                    if (m) { bad("KEYS after ARGV") }
                    if (idx != k + 1) { bad("KEYS[" idx "] out of order") }
                    k++
                } else {
                    if (idx != m + 1) { bad("ARGV[" idx "] out of order") }
                    m++
                }
                print "slot", kind, idx, name
            } else if (kind == "ARGV" && idx ~ /^[0-9]+ \.\. /) {
                split(idx, a, " ")
                if (a[1] != m + 1 || from) {
                    bad("variable ARGV[" idx "] must follow ARGV[" m "]")
                }
                from = 1
                print "from", a[1], name
            } else if (kind == "ARGV" && idx ~ /^[0-9]+\+[a-z]+ \.\.$/) {
                if (!from) { bad("ARGV[" idx "] without ARGV[n .. ] before") }
                tail = 1
                print "tail", name
            } else {
                bad("cannot read the slot \"" kind "[" idx "]\"")
            }
            next
        }
        body && /hp[._](probe|moving)\(/ { probed = 1 }
        body {
            line = $0
            sub(/--.*/, "", line)
            while (match(line, /(KEYS|ARGV)\[[0-9]+\]/)) {
                ref = substr(line, RSTART, RLENGTH)
                n = substr(ref, 6, length(ref) - 6) + 0
                if (substr(ref, 1, 4) == "KEYS" && n > k) {
                    bad(ref " is not declared in the header")
                }
                if (substr(ref, 1, 4) == "ARGV" && n > m && !from) {
                    bad(ref " is not declared in the header")
                }
                line = substr(line, RSTART + RLENGTH)
            }
        }
        END {
            if (err) { exit 1 }
            if (header) { bad("the header comment is not closed") }
            if (!probed) {
                bad("the script never probes its slot: hp_probe() or " \
                    "hp_moving() (_lib.lua), before anything else")
            }
            print "keys", k + 0
            print "argv", m + 0
            print "variable", (from ? 1 : 0)
        }
    ' "$1" > "$tmp.slots" || exit 1
}

scripts=
for f in "$dir"/*.lua; do
    n=$(basename "$f" .lua)
    case $n in _*) continue ;; esac
    case $n in *[!a-z0-9_]*) fail "$f: a script name is [a-z0-9_]" ;; esac
    scripts="$scripts $n"

    if [ -n "$luac" ]; then
        source_of "$f" > "$tmp.lua"
        "$luac" -p -o /dev/null "$tmp.lua" 2> "$tmp.err" \
            || fail "$f does not compile: $(cat "$tmp.err")"
        # a helper is a local: one used before its definition would be
        # read as a global, which Redis refuses at run time
        "$luac" -l -p "$tmp.lua" 2> /dev/null \
            | awk '/[GS]ETGLOBAL.*; hp_/ { print $NF; bad = 1 }
                   END { exit bad }' > "$tmp.err" \
            || fail "$f: a helper used before its definition:" $(cat "$tmp.err")
    fi

    slots_of "$f"
done

[ -n "$scripts" ] || fail "no scripts in $dir"


if [ "$mode" = lua ]; then
    [ -f "$dir/${3:-}.lua" ] || fail "no script \"${3:-}\" in $dir"
    source_of "$dir/$3.lua"
    exit 0
fi


if [ "$mode" = h ]; then

    echo "/* generated by util/lua2c.sh from the .lua files of $dir: do not edit */"
    echo
    echo "#ifndef _NGX_HTTP_HASHPAY_SCRIPTS_H_INCLUDED_"
    echo "#define _NGX_HTTP_HASHPAY_SCRIPTS_H_INCLUDED_"
    echo
    echo
    echo "#include <ngx_config.h>"
    echo "#include <ngx_core.h>"
    echo
    echo
    echo "typedef struct {"
    echo "    ngx_str_t                       name;      /* file name without .lua */"
    echo "    ngx_str_t                       source;    /* the helpers, then it */"
    echo "    ngx_str_t                       sha1;      /* of source, hex */"
    echo "    ngx_uint_t                      nkeys;"
    echo "    ngx_uint_t                      nargs;     /* KEYS and fixed ARGV */"
    echo "    ngx_uint_t                      variable;  /* more may follow */"
    echo "} ngx_http_hashpay_script_t;"
    echo
    echo
    echo "typedef enum {"
    for n in $scripts; do
        echo "    NGX_HTTP_HASHPAY_SCRIPT_$(upper "$n"),"
    done
    echo "    NGX_HTTP_HASHPAY_NSCRIPTS"
    echo "} ngx_http_hashpay_script_e;"
    echo
    echo
    echo "/* in the order of the enum */"
    echo "extern ngx_http_hashpay_script_t  ngx_http_hashpay_scripts[];"

    for n in $scripts; do
        N=$(upper "$n")
        slots_of "$dir/$n.lua"
        k=$(awk '$1 == "keys" { print $2 }' "$tmp.slots")
        m=$(awk '$1 == "argv" { print $2 }' "$tmp.slots")
        echo
        echo
        echo "/* $n.lua: the arguments of ngx_http_hashpay_batch_eval(), KEYS first */"
        echo "#define $(upper "$gen")_${N}_NKEYS  $k"
        echo "#define $(upper "$gen")_${N}_NARGS  $((k + m))"
        awk -v g="$(upper "$gen")_$N" -v k="$k" '
            $1 == "slot" && $2 == "KEYS" {
                printf "#define %s_KEY_%s  %d\n", g, toupper($4), $3 - 1
            }
            $1 == "slot" && $2 == "ARGV" {
                printf "#define %s_ARG_%s  %d\n", g, toupper($4), k + $3 - 1
            }
            $1 == "from" {
                printf "/* variable from here on */\n"
                printf "#define %s_ARG_%s  %d\n", g, toupper($3), k + $2 - 1
            }
        ' "$tmp.slots"
    done

    echo
    echo
    echo "#endif /* _NGX_HTTP_HASHPAY_SCRIPTS_H_INCLUDED_ */"
    exit 0
fi


[ "$mode" = c ] || fail "mode is h or c"

quote() {
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/'
}

echo "/* generated by util/lua2c.sh from the .lua files of $dir: do not edit */"
echo
echo "#include \"ngx_http_hashpay_scripts.h\""
echo

for n in $scripts; do
    echo "static u_char ngx_http_hashpay_script_$n[] ="
    source_of "$dir/$n.lua" | quote
    echo "    ;"
    echo
done

echo "ngx_http_hashpay_script_t  ngx_http_hashpay_scripts[] = {"
for n in $scripts; do
    slots_of "$dir/$n.lua"
    k=$(awk '$1 == "keys" { print $2 }' "$tmp.slots")
    m=$(awk '$1 == "argv" { print $2 }' "$tmp.slots")
    v=$(awk '$1 == "variable" { print $2 }' "$tmp.slots")
    sha=$(source_of "$dir/$n.lua" | sha1sum | cut -c1-40)
    echo "    { ngx_string(\"$n\"),"
    echo "      { sizeof(ngx_http_hashpay_script_$n) - 1,"
    echo "        ngx_http_hashpay_script_$n },"
    echo "      ngx_string(\"$sha\"), $k, $((k + m)), $v },"
done
echo "    { ngx_null_string, ngx_null_string, ngx_null_string, 0, 0, 0 }"
echo "};"
