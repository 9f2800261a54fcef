#!/usr/bin/env bash
# Broken-dump tier: run kmapdump on the hand-made broken dumps of
# testdata/broken (made by testdata/broken/make.py, checked in) and check,
# for every case of testdata/broken/CASES:
#   result     the exit status, the exact single line on stderr, and stdout
#              (empty for an error: nothing printed that looks like success)
#   unchanged  the sha256 of every input file is the same after the run
#   readonly   the same run on a copy of the inputs, mode 0444 in a 0555
#              directory (as root: with CAP_DAC_OVERRIDE dropped through
#              setpriv, so that the modes bind), gives the same answer and
#              leaves the copy unchanged: the inputs are opened read-only
# Every command runs under a timeout: a hang is a failure.
#
# usage: tests/broken/run.sh [NAME...]       (default: every case)
# env:   KMAPDUMP        kmapdump binary (default: <repo>/src/kmapdump)
#        BROKEN_DATA     the corpus (default: <repo>/testdata/broken)
#        BROKEN_TIMEOUT  seconds per run (default 10)
#
# Output: one 'PASS: broken NAME CHECK' / 'FAIL: broken NAME CHECK: WHY' line
# per check.  A case marked KNOWN-BUG(ID) in CASES records a bug by what
# kmapdump does now: its result check FAILs while that still happens, and
# also once the answer changes (then review the new answer and make it the
# expectation in make.py).  Exit status 1 if any check failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
KMAPDUMP=${KMAPDUMP:-$here/../../src/kmapdump}
data=${BROKEN_DATA:-$here/../../testdata/broken}
TMO=${BROKEN_TIMEOUT:-10}
case $KMAPDUMP in /*) ;; *) KMAPDUMP=$PWD/$KMAPDUMP ;; esac
data=$(cd "$data" && pwd)

if [ ! -x "$KMAPDUMP" ]; then
    echo "FAIL: broken setup: no kmapdump at $KMAPDUMP"
    exit 1
fi
if [ ! -f "$data/CASES" ]; then
    echo "FAIL: broken setup: no $data/CASES"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kmapdump-broken.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# As root, file modes do not bind unless CAP_DAC_OVERRIDE (and
# CAP_DAC_READ_SEARCH) are dropped; setpriv does that for one command.
ro_prefix=()
ro_how="mode 0444"
if [ "$(id -u)" = 0 ]; then
    drop=-dac_override,-dac_read_search,-fowner
    : >"$work/probe" && chmod 0444 "$work/probe"
    if command -v setpriv >/dev/null 2>&1 &&
       setpriv --inh-caps=$drop --bounding-set=$drop true 2>/dev/null &&
       ! setpriv --inh-caps=$drop --bounding-set=$drop \
            sh -c ": >>'$work/probe'" 2>/dev/null; then
        ro_prefix=(setpriv "--inh-caps=$drop" "--bounding-set=$drop")
        ro_how="mode 0444, root without CAP_DAC_OVERRIDE"
    else
        ro_how="mode 0444, root: not enforced (no usable setpriv)"
    fi
    rm -f "$work/probe"
fi

fail=0
pass() { echo "PASS: broken $1 $2"; }
flunk() {
    local why
    why=$(printf '%s' "$3" | tr '\n\t' '  ' | cut -c1-400)
    echo "FAIL: broken $1 $2: $why"
    fail=1
}

# hashes FILE... : "sha256  name" lines of the files (directories: of
# every file under them), for inputs that exist
hashes() {
    local f
    for f in "$@"; do
        if [ -d "$f" ]; then
            find "$f" -type f -print0 | sort -z | xargs -0 -r sha256sum
        elif [ -e "$f" ]; then
            sha256sum "$f"
        fi
    done
}

# runcase DIR TAG PREFIX... -- ARGS... : run kmapdump in DIR; results in
# $work/TAG.{out,err,rc}
runcase() {
    local dir=$1 tag=$2; shift 2
    local pre=()
    while [ "$1" != -- ]; do pre+=("$1"); shift; done
    shift
    (cd "$dir" && exec "${pre[@]}" timeout -k 2 "$TMO" "$KMAPDUMP" "$@") \
        </dev/null >"$work/$tag.out" 2>"$work/$tag.err"
    echo $? >"$work/$tag.rc"
}

# verdict TAG RC STDOUT STDERR : empty if the run TAG is as expected, else
# why not
verdict() {
    local tag=$1 want_rc=$2 want_out=$3 want_err=$4
    local rc nerr err
    rc=$(cat "$work/$tag.rc")
    nerr=$(wc -l <"$work/$tag.err")
    err=$(cat "$work/$tag.err")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "timed out after ${TMO}s (hang?)"
        return
    fi
    if [ "$rc" -gt 128 ]; then
        echo "killed by signal $((rc - 128)); stderr: $(head -c 300 "$work/$tag.err")"
        return
    fi
    if [ "$rc" != "$want_rc" ]; then
        echo "exit status $rc, expected $want_rc; stderr: $(head -c 300 "$work/$tag.err")"
        return
    fi
    if [ -z "$want_err" ]; then
        if [ -s "$work/$tag.err" ]; then
            echo "expected nothing on stderr, got: $(head -c 300 "$work/$tag.err")"
            return
        fi
    elif [ "$nerr" != 1 ] || [ "$(tail -c1 "$work/$tag.err" | od -An -c | tr -d ' ')" != '\n' ]; then
        echo "expected exactly one line on stderr, got $nerr: $(head -c 300 "$work/$tag.err")"
        return
    elif [ "$err" != "$want_err" ]; then
        echo "stderr '$err', expected '$want_err'"
        return
    fi
    case $want_out in
    -)
        if [ -s "$work/$tag.out" ]; then
            echo "expected nothing on stdout, got: $(head -c 200 "$work/$tag.out")"
            return
        fi ;;
    '~'*)
        if ! grep -qF -- "${want_out#\~}" "$work/$tag.out"; then
            echo "stdout lacks '${want_out#\~}': $(head -c 300 "$work/$tag.out")"
            return
        fi ;;
    *)
        echo "bad STDOUT field '$want_out' in CASES"
        return ;;
    esac
}

n=0
while IFS= read -r line || [ -n "$line" ]; do
    case $line in ''|'#'*) continue ;; esac
    # NAME | EXIT | ARGS | STDOUT | STDERR (STDERR may hold ' | ')
    name=${line%% | *}; rest=${line#* | }
    want_rc=${rest%% | *}; rest=${rest#* | }
    args=${rest%% | *}; rest=${rest#* | }
    want_out=${rest%% | *}
    if [ "$rest" = "$want_out" ] || [ "$rest" = "$want_out |" ]; then
        want_err=""                 # empty STDERR (trailing ' | ' stripped)
    else
        want_err=${rest#* | }
    fi
    want_out=${want_out% |}
    if [ $# -gt 0 ]; then
        sel=0
        for s in "$@"; do [ "$s" = "$name" ] && sel=1; done
        [ $sel = 1 ] || continue
    fi
    n=$((n + 1))
    bug=""
    case $want_err in
    KNOWN-BUG\(*\)*)
        bug=${want_err%%)*}; bug=${bug#KNOWN-BUG(}
        want_err=${want_err#KNOWN-BUG(*)}; want_err=${want_err# } ;;
    esac
    read -r -a argv <<<"$args"
    inputs=()
    for a in "${argv[@]}"; do
        case $a in -*|*/*) continue ;; esac
        [ -e "$data/$a" ] && inputs+=("$a")
    done

    # 1. in place, hashing the inputs before and after
    before=$(cd "$data" && hashes "${inputs[@]}")
    runcase "$data" run -- "${argv[@]}"
    after=$(cd "$data" && hashes "${inputs[@]}")
    why=$(verdict run "$want_rc" "$want_out" "$want_err")
    if [ -n "$bug" ]; then
        if [ -z "$why" ]; then
            flunk "$name" result "known bug $bug of CASES still there: exit $(cat "$work/run.rc"), stderr: $(head -c 300 "$work/run.err")"
        else
            flunk "$name" result "KNOWN-BUG($bug) no longer reproduces ($why): review the new answer and make it the expectation in make.py"
        fi
    elif [ -z "$why" ]; then
        pass "$name" result
    else
        flunk "$name" result "$why"
    fi
    if [ "$before" = "$after" ]; then
        pass "$name" unchanged
    else
        flunk "$name" unchanged "an input changed: $(diff <(echo "$before") <(echo "$after") | head -n 4)"
    fi

    # 2. on a read-only copy
    ro=$work/ro
    chmod -R u+w "$ro" 2>/dev/null; rm -rf "$ro"
    mkdir -p "$ro"
    for a in "${inputs[@]}"; do cp -R "$data/$a" "$ro/"; done
    chmod -R a-w "$ro"
    before=$(cd "$ro" && hashes "${inputs[@]}")
    runcase "$ro" ro "${ro_prefix[@]}" -- "${argv[@]}"
    after=$(cd "$ro" && hashes "${inputs[@]}")
    why=$(verdict ro "$want_rc" "$want_out" "$want_err")
    if [ "$before" != "$after" ]; then
        flunk "$name" readonly "the read-only copy changed"
    elif [ -z "$bug" ] && [ -n "$why" ]; then
        flunk "$name" readonly "on a read-only copy ($ro_how): $why"
    elif ! cmp -s "$work/run.rc" "$work/ro.rc" || ! cmp -s "$work/run.err" "$work/ro.err" ||
         ! cmp -s "$work/run.out" "$work/ro.out"; then
        flunk "$name" readonly "different answer on a read-only copy ($ro_how): exit $(cat "$work/ro.rc"), stderr: $(head -c 300 "$work/ro.err")"
    else
        pass "$name" readonly
    fi
done <"$data/CASES"

if [ $n = 0 ]; then
    echo "FAIL: broken setup: no case selected"
    exit 1
fi
exit $fail
