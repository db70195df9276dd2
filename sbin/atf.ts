// `virtnet atf-run SCRIPT [CASE ...]`: runs an atf-sh test program (such as
// FreeBSD's tests/sys/netinet/*.sh) against a simulated kernel, the way
// kyua(1) runs it on a FreeBSD host: a `virtnet kernel` daemon is started,
// command shims are written, and the script runs under the real /bin/sh with
// VirtNet's own atf-sh library (below) sourced first.  For each test case
// the head is read for its metadata and requirements, then the body runs in
// a fresh work directory and the cleanup always runs after it, in the same
// directory, in separate shell processes as atf does.  One line per case:
// "CASE: passed", "CASE: failed: reason", "CASE: skipped: reason".
//
// Scripts that source `$(atf_get_srcdir)/../common/vnet.subr` get VirtNet's
// version of those helpers: atf_get_srcdir names a mirror of the script's
// directory (symbolic links to the real files) whose ../common/vnet.subr
// (and ../../common/vnet.subr, for deeper trees) is ours.  The library and
// vnet.subr here are written from the documented behaviour of atf-sh(3),
// atf-check(1) and FreeBSD's vnet.subr; no FreeBSD code is part of VirtNet.
//
// Host tools on simulated interfaces: when it can (root, unshare(1), socat,
// /dev/net/tun), the runner re-runs itself inside a throw-away network
// namespace (`unshare -n`, lo up, Linux quiet on IPv6, an interface standing
// in for the host's own as scapy's default one), where the kernel mirrors
// vnet0's interfaces as Linux TAPs of the same names (`virtnet kernel
// --host-ifaces`, net/bpf_hostif.ts): the scapy helpers of FreeBSD's tests
// (sender.py, pft_ping.py, redirect.py) send and sniff on epair0a as on
// FreeBSD, and nothing reaches the host's own network.  Otherwise it runs
// as before, and cases that require scapy are skipped with the reason.
// FreeBSD's helpers start with `#!/usr/bin/env python3` (or python): when
// the python3 on PATH cannot import scapy and /usr/bin/python3 can, the
// scripts get a directory first on PATH where python3 and python are
// /usr/bin/python3.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { HOST_DEV_IPV6_QUIET, host_tool, hostif_linux_usable } from "../net/bpf_hostif.ts";
import { virtnet_kernel_listen, type kernel_daemon } from "./virtnet_kernel.ts";
import { kern_tunables_check } from "../kern/init_main.ts";
import { virtnet_write_shims } from "./virtnet_shims.ts";
import { sys_modfind } from "../kern/kern_module.ts";
import { cred0 } from "../kern/kern_jail.ts";
import type { sh_io } from "./sh.ts";

/** Shell text kept in String.raw templates, where "$\{" stands for "${"
 *  (which a template would take for an interpolation). */
function sh_text(s: string): string {
  return s.replace(/\$\\\{/g, "${");
}

// ---------------------------------------------------------------------------
// The atf-sh library.  Names of our own start with _vatf_.

export const ATF_SH_LIBRARY = sh_text(String.raw`# VirtNet's atf-sh library: what a test program written for atf-sh(3) calls.
# Written by virtnet atf-run and sourced before the test program.

_vatf_prog=$\{0##*/}
_vatf_cases=
_vatf_case=
_vatf_vars=
_vatf_in_head=false
_vatf_expect=pass
_vatf_expect_reason=
_vatf_ncheck=0

# Metadata and configuration names may hold '.' and '-'; shell names not.
_vatf_norm() {
	case $1 in
	*[!A-Za-z0-9_]*) printf '%s\n' "$1" | tr -c 'A-Za-z0-9_\n' '_' ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# FreeBSD's sh takes an empty list after then, else, do or {, which bash
# refuses (netpfil/common/utils.subr has "then # Nothing. This is okay.").
# So '.' and 'source' read files through _vatf_fix, which puts a ':' in
# front of the word that ends such an empty list (on that word's line); the
# file itself is not changed.
_vatf_fix() {
	awk '
	{
		line = $0; sig = line
		sub(/(^|[ \t])#.*$/, "", sig); gsub(/^[ \t]+|[ \t]+$/, "", sig)
		if (sig == "") { print line; next }
		if (pend != "") {
			first = sig; sub(/[ \t;].*$/, "", first)
			if ((pend == "then" && (first == "else" || first == "elif" || first == "fi")) ||
			    (pend == "else" && first == "fi") || (pend == "do" && first == "done") ||
			    (pend == "{" && first == "}")) {
				match(line, /^[ \t]*/)
				line = substr(line, 1, RLENGTH) ": ; " substr(line, RLENGTH + 1)
			}
		}
		last = sig; sub(/^.*[ \t;]/, "", last)
		pend = (last == "then" || last == "else" || last == "do" || last == "{") ? last : ""
		print line
	}' "$1"
}
_vatf_dot() {
	_vatf_dotf=$1
	case $_vatf_dotf in
	*/*) ;;
	*) _vatf_dotf=$(command -v -- "$_vatf_dotf" 2>/dev/null) || _vatf_dotf=$1 ;;
	esac
	[ -f "$_vatf_dotf" ] && [ -r "$_vatf_dotf" ] || { builtin . "$@"; return; }
	shift
	eval "$(_vatf_fix "$_vatf_dotf")"
}
.() { _vatf_dot "$@"; }
source() { _vatf_dot "$@"; }

_vatf_error() {
	_vatf_code=$1
	shift
	echo "$\{_vatf_prog}: ERROR: $*" 1>&2
	exit "$\{_vatf_code}"
}

_vatf_result() {
	if [ -n "$\{VIRTNET_ATF_RESFILE}" ]; then
		printf '%s\n' "$*" >"$\{VIRTNET_ATF_RESFILE}" ||
		    _vatf_error 128 "cannot write the result file $\{VIRTNET_ATF_RESFILE}"
	else
		printf '%s\n' "$*"
	fi
}

atf_test_case() {
	eval "$1_head() { :; }"
	eval "$1_body() { atf_fail 'the test case has no body'; }"
	if [ "$2" = cleanup ]; then
		eval "_vatf_has_cleanup_$1=yes"
		eval "$1_cleanup() { :; }"
	fi
}

atf_add_test_case() {
	_vatf_cases="$\{_vatf_cases} $1"
}

atf_set() {
	$\{_vatf_in_head} || _vatf_error 128 "atf_set may only be called from a test case's head"
	_vatf_n=$(_vatf_norm "$1")
	_vatf_vars="$\{_vatf_vars} $1"
	shift
	eval "_vatf_v_$\{_vatf_case}_$\{_vatf_n}=\$*"
}

atf_get() {
	_vatf_n=$(_vatf_norm "$1")
	eval "printf '%s\n' \"\$\{_vatf_v_$\{_vatf_case}_$\{_vatf_n}}\""
}

atf_get_srcdir() {
	if [ -n "$\{VIRTNET_ATF_SRCDIR}" ]; then
		printf '%s\n' "$\{VIRTNET_ATF_SRCDIR}"
	else
		dirname "$0"
	fi
}

atf_config_has() {
	_vatf_n=$(_vatf_norm "$1")
	eval "[ \"\$\{VIRTNET_ATF_CFG_$\{_vatf_n}+set}\" = set ]"
}

atf_config_get() {
	if atf_config_has "$1"; then
		eval "printf '%s\n' \"\$\{VIRTNET_ATF_CFG_$\{_vatf_n}}\""
	elif [ $# -ge 2 ]; then
		printf '%s\n' "$2"
	else
		_vatf_error 1 "Could not find configuration variable '$1'"
	fi
}

atf_pass() {
	if [ "$\{_vatf_expect}" = fail ]; then
		_vatf_expect=pass
		atf_fail "Test case was expecting a failure but got a pass instead"
	fi
	_vatf_result passed
	exit 0
}

atf_fail() {
	if [ "$\{_vatf_expect}" = fail ]; then
		_vatf_result "expected_failure: $\{_vatf_expect_reason}: $*"
		exit 0
	fi
	_vatf_result "failed: $*"
	exit 1
}

atf_skip() {
	_vatf_result "skipped: $*"
	exit 0
}

atf_expect_pass() {
	_vatf_expect=pass
	_vatf_expect_reason=
}

atf_expect_fail() {
	_vatf_expect=fail
	_vatf_expect_reason="$*"
}

# Expectations about how the body ends; the runner reads them back.
atf_expect_death() {
	_vatf_expect=death
	_vatf_result "expected_death: $*"
}
atf_expect_timeout() {
	_vatf_expect=timeout
	_vatf_result "expected_timeout: $*"
}
atf_expect_exit() {
	_vatf_x=$1
	shift
	_vatf_expect=exit
	_vatf_result "expected_exit($\{_vatf_x}): $*"
}
atf_expect_signal() {
	_vatf_x=$1
	shift
	_vatf_expect=signal
	_vatf_result "expected_signal($\{_vatf_x}): $*"
}

# The arguments are expressions, evaluated here so that a failure can show
# both the expressions and their values.
atf_check_equal() {
	eval "_vatf_a=\"$1\""
	eval "_vatf_b=\"$2\""
	[ "$\{_vatf_a}" = "$\{_vatf_b}" ] || atf_fail "$1 != $2 ($\{_vatf_a} != $\{_vatf_b})"
}

atf_check_not_equal() {
	eval "_vatf_a=\"$1\""
	eval "_vatf_b=\"$2\""
	[ "$\{_vatf_a}" != "$\{_vatf_b}" ] || atf_fail "$1 == $2 ($\{_vatf_a} == $\{_vatf_b})"
}

atf_require_prog() {
	case $1 in
	/*) [ -x "$1" ] || atf_skip "The required program $1 could not be found" ;;
	*/*) atf_fail "atf_require_prog does not accept relative path names '$1'" ;;
	*) command -v "$1" >/dev/null 2>&1 ||
	    atf_skip "The required program $1 could not be found in the PATH" ;;
	esac
}

# atf_check [-s STATUS] [-o CHECK]... [-e CHECK]... [-x] [--] COMMAND...
# STATUS: exit:N, not-exit:N, exit, signal:SIG, not-signal:SIG, signal, ignore.
# CHECK: empty, not-empty, ignore, inline:TEXT, not-inline:TEXT, file:PATH,
# not-file:PATH, match:REGEX, not-match:REGEX, save:PATH.
# Without -s the command must exit 0; without -o / -e it must print nothing.
atf_check() {
	_vatf_st_spec=exit:0
	_vatf_no=0
	_vatf_ne=0
	_vatf_shell=false
	while [ $# -gt 0 ]; do
		case $1 in
		-s) _vatf_st_spec=$2; shift 2 ;;
		-s?*) _vatf_st_spec=$\{1#-s}; shift ;;
		-o) _vatf_no=$((_vatf_no + 1)); eval "_vatf_o$\{_vatf_no}=\$2"; shift 2 ;;
		-o?*) _vatf_no=$((_vatf_no + 1)); eval "_vatf_o$\{_vatf_no}=\$\{1#-o}"; shift ;;
		-e) _vatf_ne=$((_vatf_ne + 1)); eval "_vatf_e$\{_vatf_ne}=\$2"; shift 2 ;;
		-e?*) _vatf_ne=$((_vatf_ne + 1)); eval "_vatf_e$\{_vatf_ne}=\$\{1#-e}"; shift ;;
		-x) _vatf_shell=true; shift ;;
		--) shift; break ;;
		-*) _vatf_error 1 "atf_check: unknown option $1" ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || _vatf_error 1 "atf_check: no command to run"
	[ "$\{_vatf_no}" -gt 0 ] || { _vatf_no=1; _vatf_o1=empty; }
	[ "$\{_vatf_ne}" -gt 0 ] || { _vatf_ne=1; _vatf_e1=empty; }
	_vatf_ncheck=$((_vatf_ncheck + 1))
	_vatf_base="$\{TMPDIR:-/tmp}/atf_check.$$.$\{_vatf_ncheck}"
	if $\{_vatf_shell}; then
		/bin/bash -c "$*" >"$\{_vatf_base}.out" 2>"$\{_vatf_base}.err"
	else
		"$@" >"$\{_vatf_base}.out" 2>"$\{_vatf_base}.err"
	fi
	_vatf_st=$?
	_vatf_ok=true
	_vatf_check_status "$\{_vatf_st}" "$\{_vatf_st_spec}" || _vatf_ok=false
	_vatf_i=1
	while [ "$\{_vatf_i}" -le "$\{_vatf_no}" ]; do
		eval "_vatf_spec=\$\{_vatf_o$\{_vatf_i}}"
		_vatf_check_output stdout "$\{_vatf_base}.out" "$\{_vatf_spec}" || _vatf_ok=false
		_vatf_i=$((_vatf_i + 1))
	done
	_vatf_i=1
	while [ "$\{_vatf_i}" -le "$\{_vatf_ne}" ]; do
		eval "_vatf_spec=\$\{_vatf_e$\{_vatf_i}}"
		_vatf_check_output stderr "$\{_vatf_base}.err" "$\{_vatf_spec}" || _vatf_ok=false
		_vatf_i=$((_vatf_i + 1))
	done
	if ! $\{_vatf_ok}; then
		echo "Command: $*" 1>&2
		echo "stdout:" 1>&2
		cat "$\{_vatf_base}.out" 1>&2
		echo "stderr:" 1>&2
		cat "$\{_vatf_base}.err" 1>&2
	fi
	rm -f "$\{_vatf_base}.out" "$\{_vatf_base}.err" "$\{_vatf_base}.exp"
	$\{_vatf_ok} || atf_fail "atf-check failed; see the output of the test for details"
	return 0
}

# A signal given by number or name (with or without SIG), as a number.
_vatf_signum() {
	case $1 in
	[0-9]*) echo "$1" ;;
	*) kill -l "$\{1#SIG}" 2>/dev/null || echo 0 ;;
	esac
}

_vatf_check_status() {
	_vatf_s=$1
	case $2 in
	ignore) return 0 ;;
	exit) [ "$\{_vatf_s}" -lt 128 ] && return 0 ;;
	exit:*) [ "$\{_vatf_s}" -eq "$\{2#exit:}" ] && return 0 ;;
	not-exit:*) [ "$\{_vatf_s}" -lt 128 ] && [ "$\{_vatf_s}" -ne "$\{2#not-exit:}" ] && return 0 ;;
	signal) [ "$\{_vatf_s}" -gt 128 ] && return 0 ;;
	signal:*) [ "$\{_vatf_s}" -eq $((128 + $(_vatf_signum "$\{2#signal:}"))) ] && return 0 ;;
	not-signal:*) [ "$\{_vatf_s}" -gt 128 ] &&
	    [ "$\{_vatf_s}" -ne $((128 + $(_vatf_signum "$\{2#not-signal:}"))) ] && return 0 ;;
	*) _vatf_error 1 "atf_check: unknown status check '$2'" ;;
	esac
	echo "Fail: incorrect exit status: $\{_vatf_s}, expected: $2" 1>&2
	return 1
}

_vatf_check_output() {
	_vatf_what=$1
	_vatf_f=$2
	case $3 in
	ignore) return 0 ;;
	empty)
		[ ! -s "$\{_vatf_f}" ] && return 0
		echo "Fail: $\{_vatf_what} not empty" 1>&2 ;;
	not-empty)
		[ -s "$\{_vatf_f}" ] && return 0
		echo "Fail: $\{_vatf_what} is empty" 1>&2 ;;
	inline:*)
		printf '%b' "$\{3#inline:}" >"$\{_vatf_base}.exp"
		cmp -s "$\{_vatf_base}.exp" "$\{_vatf_f}" && return 0
		echo "Fail: $\{_vatf_what} does not match golden output" 1>&2
		diff -u "$\{_vatf_base}.exp" "$\{_vatf_f}" 1>&2 ;;
	not-inline:*)
		printf '%b' "$\{3#not-inline:}" >"$\{_vatf_base}.exp"
		cmp -s "$\{_vatf_base}.exp" "$\{_vatf_f}" || return 0
		echo "Fail: $\{_vatf_what} matches golden output" 1>&2 ;;
	file:*)
		cmp -s "$\{3#file:}" "$\{_vatf_f}" && return 0
		echo "Fail: $\{_vatf_what} does not match golden output" 1>&2 ;;
	not-file:*)
		cmp -s "$\{3#not-file:}" "$\{_vatf_f}" || return 0
		echo "Fail: $\{_vatf_what} matches golden output" 1>&2 ;;
	match:*)
		grep -E -q -e "$\{3#match:}" "$\{_vatf_f}" && return 0
		echo "Fail: regexp $\{3#match:} not in $\{_vatf_what}" 1>&2 ;;
	not-match:*)
		grep -E -q -e "$\{3#not-match:}" "$\{_vatf_f}" || return 0
		echo "Fail: regexp $\{3#not-match:} is in $\{_vatf_what}" 1>&2 ;;
	save:*)
		cp "$\{_vatf_f}" "$\{3#save:}" && return 0 ;;
	*) _vatf_error 1 "atf_check: unknown output check '$3'" ;;
	esac
	return 1
}

# Reading a test case's head: its metadata become atf_get-able.
_vatf_head() {
	_vatf_in_head=true
	_vatf_case=$1
	_vatf_vars=
	if eval "[ \"\$\{_vatf_has_cleanup_$1}\" = yes ]"; then
		atf_set has.cleanup true
	fi
	"$1_head"
	atf_set ident "$1"
	_vatf_in_head=false
}

_vatf_known() {
	for _vatf_c in $\{_vatf_cases}; do
		[ "$\{_vatf_c}" = "$1" ] && return 0
	done
	_vatf_error 1 "Unknown test case '$1'"
}

# _vatf_main list | body CASE | cleanup CASE
_vatf_main() {
	command -v atf_init_test_cases >/dev/null 2>&1 ||
	    _vatf_error 1 "the test program has no atf_init_test_cases"
	atf_init_test_cases
	case $1 in
	list)
		for _vatf_c in $\{_vatf_cases}; do
			_vatf_head "$\{_vatf_c}"
			for _vatf_v in $\{_vatf_vars}; do
				printf '%s: %s\n' "$\{_vatf_v}" "$(atf_get "$\{_vatf_v}" | tr '\n' ' ' | sed 's/ $//')"
			done
			echo
		done >"$\{VIRTNET_ATF_RESFILE}"
		exit 0 ;;
	body)
		_vatf_known "$2"
		_vatf_head "$2"
		if "$2_body"; then
			case $\{_vatf_expect} in
			pass) _vatf_result passed ;;
			fail)
				_vatf_expect=pass
				atf_fail "Test case was expecting a failure but none were raised" ;;
			esac
			exit 0
		fi
		_vatf_expect=pass
		atf_fail "Test case body returned a non-ok exit code, but this is not allowed" ;;
	cleanup)
		_vatf_known "$2"
		_vatf_head "$2"
		if eval "[ \"\$\{_vatf_has_cleanup_$2}\" = yes ]"; then
			"$2_cleanup" || _vatf_error 128 \
			    "The test case cleanup returned a non-ok exit code, but this is not allowed"
		fi
		exit 0 ;;
	esac
	_vatf_error 1 "unknown mode $1"
}
`);

// ---------------------------------------------------------------------------
// vnet.subr: creating epairs, loopbacks and vnet jails for a test and
// taking them down in its cleanup.  Bookkeeping lives in the test's work
// directory, which body and cleanup share: created_interfaces.lst (one
// interface per line, those still in the host) and created_jails.lst (one
// line per jail: its name, then the interfaces it was given).

export const VNET_SUBR = sh_text(String.raw`# VirtNet's vnet.subr: jails and interfaces for vnet tests, for test programs
# run by "virtnet atf-run" (sbin/atf.ts).  Bookkeeping lives in the test's
# work directory, which body and cleanup share: created_interfaces.lst (the
# interfaces the host still holds, one a line), created_jails.lst (one line
# per jail: its name, then the interfaces it was given) and
# created_epairs.lst (the two ends of each epair, by their current names).
# Destroying either end of an epair destroys the pair, so the cleanup
# destroys each pair once, through whichever end it meets first.

list_interface() {
	printf '%s\n' "$1" >>created_interfaces.lst
}

unlist_interface() {
	[ -f created_interfaces.lst ] || return 0
	grep -v -x -F -e "$1" created_interfaces.lst >created_interfaces.lst.new
	mv created_interfaces.lst.new created_interfaces.lst
}

vnet_init() {
	if [ "$(sysctl -i -n kern.features.vimage)" != 1 ]; then
		atf_skip "This test requires VIMAGE"
	fi
	if ! kldstat -q -m if_epair; then
		atf_skip "This test requires if_epair"
	fi
}

vnet_init_bridge() {
	if ! kldstat -q -m if_bridge; then
		atf_skip "This test requires if_bridge"
	fi
}

# Each vnet_mk* prints the name of what it made: an epair without its a/b.
vnet_mkepair() {
	_vnet_if=$(ifconfig epair create)
	list_interface "$\{_vnet_if}"
	list_interface "$\{_vnet_if%a}b"
	printf '%s %s\n' "$\{_vnet_if}" "$\{_vnet_if%a}b" >>created_epairs.lst
	printf '%s\n' "$\{_vnet_if%a}"
}

vnet_mkbridge() {
	_vnet_if=$(ifconfig bridge create)
	list_interface "$\{_vnet_if}"
	printf '%s\n' "$\{_vnet_if}"
}

vnet_mkvlan() {
	_vnet_if=$(ifconfig vlan create)
	list_interface "$\{_vnet_if}"
	printf '%s\n' "$\{_vnet_if}"
}

vnet_mkloopback() {
	_vnet_if=$(ifconfig lo create)
	list_interface "$\{_vnet_if}"
	printf '%s\n' "$\{_vnet_if}"
}

# vnet_mkjail NAME [IF ...]: a persistent vnet jail given those interfaces.
vnet_mkjail() {
	_vnet_jail=$1
	shift
	_vnet_params=
	for _vnet_if in "$@"; do
		_vnet_params="$\{_vnet_params} vnet.interface=$\{_vnet_if}"
		unlist_interface "$\{_vnet_if}"
	done
	jail -c name="$\{_vnet_jail}" persist vnet $\{_vnet_params}
	printf '%s\n' "$\{_vnet_jail} $*" >>created_jails.lst
}

# vnet_ifmove IF JAIL: move an interface into a jail made by vnet_mkjail.
vnet_ifmove() {
	ifconfig "$1" vnet "$2"
	unlist_interface "$1"
	awk -v j="$2" -v i="$1" '$1 == j { $0 = $0 " " i } { print }' \
	    created_jails.lst >created_jails.lst.new
	mv created_jails.lst.new created_jails.lst
}

# vnet_ifrename_jail JAIL IF NEWNAME
vnet_ifrename_jail() {
	jexec "$1" ifconfig "$2" name "$3"
	awk -v j="$1" -v o="$2" -v n="$3" \
	    '$1 == j { for (k = 2; k <= NF; k++) if ($k == o) $k = n } { print }' \
	    created_jails.lst >created_jails.lst.new
	mv created_jails.lst.new created_jails.lst
	[ -f created_epairs.lst ] || return 0
	awk -v o="$2" -v n="$3" '{ for (k = 1; k <= NF; k++) if ($k == o) $k = n } { print }' \
	    created_epairs.lst >created_epairs.lst.new
	mv created_epairs.lst.new created_epairs.lst
}

# _vnet_destroy IF [JAIL]: destroy an interface, unless it is the end of an
# epair destroyed already through its other end.
_vnet_destroy() {
	case " $\{_vnet_gone} " in
	*" $1 "*) return 0 ;;
	esac
	if [ -f created_epairs.lst ]; then
		_vnet_pair=$(awk -v i="$1" '$1 == i || $2 == i { print; exit }' created_epairs.lst)
		if [ -n "$\{_vnet_pair}" ]; then
			_vnet_gone="$\{_vnet_gone} $\{_vnet_pair}"
			awk -v i="$1" '$1 != i && $2 != i' created_epairs.lst >created_epairs.lst.new
			mv created_epairs.lst.new created_epairs.lst
		fi
	fi
	if [ -n "$2" ]; then
		jexec "$2" ifconfig "$1" destroy
	else
		ifconfig "$1" destroy
	fi
}

# vnet_cleanup: destroy what the jails were given, remove the jails (which
# sends whatever is left back to the host), then destroy what the host holds.
vnet_cleanup() {
	_vnet_gone=
	if [ -f created_jails.lst ]; then
		while read -r _vnet_jail _vnet_ifs; do
			for _vnet_if in $\{_vnet_ifs}; do
				_vnet_destroy "$\{_vnet_if}" "$\{_vnet_jail}"
			done
			jail -r "$\{_vnet_jail}"
		done <created_jails.lst
		rm -f created_jails.lst
	fi
	if [ -f created_interfaces.lst ]; then
		for _vnet_if in $(cat created_interfaces.lst); do
			_vnet_destroy "$\{_vnet_if}"
		done
		rm -f created_interfaces.lst
	fi
	rm -f created_epairs.lst
}
`);

// ---------------------------------------------------------------------------
// The runner.

export interface atf_case_result {
  ident: string;
  result: "passed" | "failed" | "skipped" | "expected_failure";
  reason: string;
  stdout: string;
  stderr: string;
}

export interface atf_options {
  seed: number;
  /** Print every case's output, not only failed ones'. */
  verbose: boolean;
  /** Leave the temporary tree (work directories, shims) behind. */
  keep: boolean;
  /** Configuration variables (atf_config_get). */
  config: Map<string, string>;
  /** Mirror vnet0's interfaces as host TAPs (only inside a network
   *  namespace of the run's own); when false, why not. */
  host_ifaces: true | string;
  /** /boot/loader.conf for the run's kernel: tunables, and modules loaded with it. */
  tunables?: Record<string, string>;
  kldload?: string[];
  stdout: sh_io;
  stderr: sh_io;
}

/** A mirror of the script's directory and its two parents, whose common/
 *  directories hold our vnet.subr: returns the script's path in it. */
function mirror_tree(root: string, script: string): string {
  const real = path.resolve(script);
  const d0 = path.dirname(real);
  const d1 = path.dirname(d0);
  const d2 = path.dirname(d1);
  const m1 = path.join(root, "src", path.basename(d2) || "root", path.basename(d1) || "root");
  const m0 = path.join(m1, path.basename(d0) || "tests");
  fs.mkdirSync(m0, { recursive: true });
  const link_entries = (from: string, to: string, skip: Set<string>) => {
    let names: string[] = [];
    try {
      names = fs.readdirSync(from);
    } catch {
      return;
    }
    for (const n of names) {
      if (skip.has(n)) continue;
      const dst = path.join(to, n);
      if (!fs.existsSync(dst)) fs.symlinkSync(path.join(from, n), dst);
    }
  };
  link_entries(d0, m0, new Set());
  for (const [real_parent, mirror_parent, child] of [
    [d1, m1, path.basename(d0)],
    [d2, path.dirname(m1), path.basename(d1)],
  ] as const) {
    const common = path.join(mirror_parent, "common");
    fs.mkdirSync(common, { recursive: true });
    link_entries(path.join(real_parent, "common"), common, new Set(["vnet.subr"]));
    fs.writeFileSync(path.join(common, "vnet.subr"), VNET_SUBR);
    link_entries(real_parent, mirror_parent, new Set(["common", child]));
  }
  return path.join(m0, path.basename(real));
}

interface sh_result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timed_out: boolean;
}

/** The shell that runs test programs.  FreeBSD's sh takes function names
 *  that start with a digit (tests name cases after bug numbers: 235704_head)
 *  and $'...' strings; Debian's dash refuses both, bash in its default mode
 *  takes them. */
export const ATF_SHELL = "/bin/bash";

/** The driver: a watchdog first, then the library and the program.  The
 *  watchdog blocks on fd 3, a pipe whose other end only the runner holds:
 *  if the runner dies, however it dies, the read ends and the watchdog
 *  kills its own process group, the case's. */
const ATF_DRIVER =
  '{ read -r _vatf_w <&3; kill -KILL 0; } </dev/null >/dev/null 2>&1 & exec 3<&-; ' +
  '. "$VIRTNET_ATF_LIB" || exit 70; . "$0"; _vatf_main "$@"';

/** Process groups of the cases running now, and their tokens: what an
 *  interrupted runner kills on its way out. */
const live_cases = new Map<number, string>();

/** Processes whose environment carries the token: a case's processes,
 *  including those that left its process group (setsid, a shell run with
 *  job control).  Linux's /proc; elsewhere the group kill alone. */
function token_pids(token: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = Buffer.from(`VIRTNET_ATF_TOKEN=${token}\0`);
  const found: number[] = [];
  for (const n of names) {
    if (!/^[0-9]+$/.test(n) || Number(n) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${n}/environ`).includes(needle)) found.push(Number(n));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

/** SIGKILL a case's process group, then whatever else carries its token,
 *  until nothing does (a shell may fork once more between two scans). */
function kill_case(pgid: number, token: string): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    /* the group is already empty */
  }
  for (let round = 0; round < 20; round++) {
    const left = token_pids(token);
    if (left.length === 0) return;
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

/** Run the library + script in the shell, in a process group of its own;
 *  whatever it left running is killed when it ends, as kyua does, and so is
 *  all of it when the timeout expires. */
function run_sh(script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout_s: number): Promise<sh_result> {
  return new Promise((resolve) => {
    const token = `${process.pid}.${++ncase}.${Math.random().toString(36).slice(2)}`;
    // Standard input is an empty pipe: reads see end-of-file as from
    // /dev/null, but a shim can tell it from the /dev/null the shell gives
    // background commands (see virtnet_kernel.ts, pacing the clock).
    const child = spawn(ATF_SHELL, ["-c", ATF_DRIVER, script, ...args], {
      cwd,
      env: { ...env, VIRTNET_ATF_TOKEN: token },
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      detached: true,
    });
    child.stdin?.end();
    const pgid = child.pid;
    if (pgid !== undefined) live_cases.set(pgid, token);
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    let timed_out = false;
    const kill_all = () => {
      if (pgid === undefined) return;
      kill_case(pgid, token);
      live_cases.delete(pgid);
    };
    const timer = setTimeout(() => {
      timed_out = true;
      kill_all();
    }, timeout_s * 1000);
    let exit: { status: number | null; signal: NodeJS.Signals | null } | null = null;
    let closed = false;
    const finish = () => {
      if (exit === null || !closed) return;
      clearTimeout(timer);
      const watchdog = child.stdio[3];
      if (watchdog !== null && watchdog !== undefined && "destroy" in watchdog) watchdog.destroy();
      resolve({ ...exit, stdout: out, stderr: err, timed_out });
    };
    child.on("exit", (status, signal) => {
      exit = { status, signal };
      kill_all();
      finish();
    });
    child.on("close", () => {
      closed = true;
      finish();
    });
    child.on("error", (e) => {
      err += `${e.message}\n`;
      exit = { status: 127, signal: null };
      closed = true;
      finish();
    });
  });
}
let ncase = 0;

function read_result(file: string): string | null {
  try {
    const s = fs.readFileSync(file, "utf8");
    return s.replace(/\n+$/, "").split("\n")[0] ?? null;
  } catch {
    return null;
  }
}

/** Parse the list output: one block of "name: value" lines per case. */
function parse_list(text: string): Map<string, string>[] {
  const cases: Map<string, string>[] = [];
  let cur: Map<string, string> | null = null;
  for (const line of text.split("\n")) {
    if (line === "") {
      cur = null;
      continue;
    }
    const i = line.indexOf(": ");
    const k = i >= 0 ? line.slice(0, i) : line.replace(/:$/, "");
    const v = i >= 0 ? line.slice(i + 2) : "";
    if (cur === null) cases.push((cur = new Map()));
    cur.set(k, v);
  }
  return cases;
}

/** kyua's requirement checks: a reason to skip, or null. */
function check_requirements(md: Map<string, string>, env: NodeJS.ProcessEnv, config: Map<string, string>, host_ifaces: true | string): string | null {
  const words = (k: string) => (md.get(k) ?? "").split(/\s+/).filter((w) => w !== "");
  const user = md.get("require.user");
  if (user === "unprivileged") return "Requires an unprivileged user and the unprivileged-user configuration variable is not set";
  const arch = words("require.arch");
  if (arch.length > 0 && !arch.includes("amd64")) return `Current architecture 'amd64' not supported`;
  const machine = words("require.machine");
  if (machine.length > 0 && !machine.includes("amd64")) return `Current machine type 'amd64' not supported`;
  for (const c of words("require.config")) if (!config.has(c)) return `Required configuration property '${c}' not defined`;
  for (const f of words("require.files")) if (!fs.existsSync(f)) return `Required file '${f}' not found`;
  for (const p of words("require.progs")) {
    // scapy reaches the simulated interfaces only through their host TAPs.
    if (p === "scapy" && host_ifaces !== true) return `Required program 'scapy' cannot reach the simulated interfaces: ${host_ifaces}`;
    if (p.startsWith("/")) {
      if (!is_executable(p)) return `Required program '${p}' not found`;
    } else if (!(env.PATH ?? "").split(":").some((d) => d !== "" && is_executable(path.join(d, p)))) return `Required program '${p}' not found in PATH`;
  }
  // kyua asks modfind(2); so does the runner, of the simulated kernel.
  for (const k of words("require.kmods")) if (sys_modfind({ p_ucred: cred0 }, k).error !== 0) return `Required kernel module '${k}' not loaded`;
  return null;
}

function is_executable(f: string): boolean {
  try {
    fs.accessSync(f, fs.constants.X_OK);
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

/** Run the cases of one test program; resolves with their results. */
export async function virtnet_atf_run(script: string, wanted: string[], o: atf_options): Promise<atf_case_result[] | string> {
  if (!fs.existsSync(script)) return `${script}: No such file or directory`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-atf-"));
  let daemon: kernel_daemon | null = null;
  // Interrupted (^C, kill): the running case dies with everything it
  // started, the temporary tree goes, and the runner ends as the signal
  // would have ended it.
  const interrupted = (sig: NodeJS.Signals) => {
    for (const [pgid, token] of live_cases) kill_case(pgid, token);
    live_cases.clear();
    if (!o.keep) fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(128 + (os.constants.signals[sig] ?? 15));
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const sig of signals) process.on(sig, interrupted);
  try {
    const socket = path.join(tmp, "kernel.sock");
    daemon = await virtnet_kernel_listen({ socket, seed: o.seed, log: (s) => o.stderr.write(s), host_ifaces: o.host_ifaces === true, tunables: o.tunables, kldload: o.kldload });
    const bindir = path.join(tmp, "bin");
    virtnet_write_shims(bindir, { socket });
    const pydir = atf_python_dir(tmp);
    const lib = path.join(tmp, "atf.subr");
    fs.writeFileSync(lib, ATF_SH_LIBRARY);
    const mscript = mirror_tree(tmp, script);
    const base: NodeJS.ProcessEnv = { ...process.env };
    delete base.VIRTNET_JAIL;
    delete base.VIRTNET_FIB;
    delete base.NODE_OPTIONS;
    for (const k of Object.keys(base)) if (k.startsWith("VIRTNET_ATF_CFG_")) delete base[k];
    Object.assign(base, {
      PATH: `${bindir}:${pydir !== null ? `${pydir}:` : ""}${process.env.PATH ?? "/usr/bin:/bin"}`,
      VIRTNET_SOCKET: socket,
      // The socket bridge: a Python helper outside any jail still gets
      // PF_DIVERT sockets from the daemon (virtnet_hostsock.ts).
      PYTHONPATH: [path.join(bindir, ".virtnet-python"), ...(process.env.PYTHONPATH ?? "").split(":").filter((d) => d !== "")].join(":"),
      VIRTNET_ATF_LIB: lib,
      VIRTNET_HOST_SH: ATF_SHELL,
      VIRTNET_ATF_SRCDIR: path.dirname(mscript),
      __RUNNING_INSIDE_ATF_RUN: "internal-yes-value",
      LC_ALL: "C",
    });
    for (const [k, v] of o.config) base[`VIRTNET_ATF_CFG_${k.replace(/[^A-Za-z0-9_]/g, "_")}`] = v;

    // The list of cases and their metadata.
    const listdir = path.join(tmp, "list");
    fs.mkdirSync(listdir);
    const listres = path.join(listdir, "result");
    const l = await run_sh(mscript, ["list"], listdir, { ...base, HOME: listdir, TMPDIR: listdir, VIRTNET_ATF_RESFILE: listres }, 300);
    let listing: string;
    try {
      listing = fs.readFileSync(listres, "utf8");
    } catch {
      return `${script}: cannot list its test cases:\n${l.stderr}${l.stdout}`;
    }
    const cases = parse_list(listing);
    const idents = cases.map((c) => c.get("ident") ?? "");
    for (const w of wanted) if (!idents.includes(w)) return `${script}: unknown test case '${w}'`;
    const results: atf_case_result[] = [];
    for (const md of cases) {
      const ident = md.get("ident") ?? "";
      if (wanted.length > 0 && !wanted.includes(ident)) continue;
      const r = await run_case(mscript, ident, md, tmp, base, o);
      results.push(r);
      o.stdout.write(`${ident}: ${r.result}${r.reason !== "" ? `: ${r.reason}` : ""}\n`);
      if (o.verbose || r.result === "failed") {
        const show = (label: string, s: string) => {
          if (s === "") return;
          o.stderr.write(`--- ${ident} ${label} ---\n${s}${s.endsWith("\n") ? "" : "\n"}`);
        };
        show("stdout", r.stdout);
        show("stderr", r.stderr);
      }
    }
    return results;
  } finally {
    for (const sig of signals) process.off(sig, interrupted);
    if (daemon !== null) await daemon.close();
    if (!o.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else o.stderr.write(`virtnet atf-run: kept ${tmp}\n`);
  }
}

async function run_case(mscript: string, ident: string, md: Map<string, string>, tmp: string, base: NodeJS.ProcessEnv, o: atf_options): Promise<atf_case_result> {
  const skip = check_requirements(md, base, o.config, o.host_ifaces);
  if (skip !== null) return { ident, result: "skipped", reason: skip, stdout: "", stderr: "" };
  const work = path.join(tmp, "work", ident);
  fs.mkdirSync(work, { recursive: true });
  const resfile = path.join(tmp, "work", `${ident}.result`);
  const env = { ...base, HOME: work, TMPDIR: work, VIRTNET_ATF_RESFILE: resfile };
  const timeout = Number(md.get("timeout") ?? "300") || 300;
  const body = await run_sh(mscript, ["body", ident], work, env, timeout);
  let stdout = body.stdout;
  let stderr = body.stderr;
  let res = read_result(resfile);
  let result: atf_case_result["result"];
  let reason = "";
  if (body.timed_out) {
    // kyua: an expected timeout is an expected failure with the reason the
    // body gave; any other is "Test case body timed out" (kyua files it as
    // broken, which this runner counts as failed).
    const m = res === null ? null : /^expected_timeout(?::\s?(.*))?$/.exec(res);
    result = m !== null ? "expected_failure" : "failed";
    reason = m !== null ? (m[1] ?? "") : "Test case body timed out";
  } else if (res === null) {
    result = "failed";
    reason = body.signal !== null ? `Test case body was killed by ${body.signal}` : `Test case body exited with status ${body.status ?? "?"} without reporting a result`;
  } else {
    const m = /^(passed|failed|skipped|expected_failure|expected_death|expected_exit(?:\((-?\d+)\))?|expected_signal(?:\((-?\d+)\))?|expected_timeout)(?::\s?(.*))?$/.exec(res);
    const kind = m?.[1] ?? "failed";
    reason = m === null ? res : (m[4] ?? "");
    if (kind === "passed" || kind === "failed" || kind === "skipped" || kind === "expected_failure") result = kind;
    else if (kind === "expected_death") result = body.status !== 0 || body.signal !== null ? "expected_failure" : "failed";
    else if (kind.startsWith("expected_exit")) {
      const want = m?.[2];
      result = body.signal === null && (want === undefined || Number(want) === -1 || Number(want) === body.status) ? "expected_failure" : "failed";
    } else if (kind.startsWith("expected_signal")) result = body.signal !== null ? "expected_failure" : "failed";
    else result = "failed";
    if (result === "failed" && kind.startsWith("expected_")) reason = `Test case was expected to end otherwise (${res})`;
  }
  if (md.get("has.cleanup") === "true") {
    const c = await run_sh(mscript, ["cleanup", ident], work, { ...env, VIRTNET_ATF_RESFILE: "" }, timeout);
    stdout += c.stdout;
    stderr += c.stderr;
    if ((c.status !== 0 || c.timed_out) && result !== "failed") {
      result = "failed";
      reason = c.timed_out ? "Test case cleanup timed out" : "Test case cleanup did not terminate successfully";
    }
  }
  res = null;
  return { ident, result, reason, stdout, stderr };
}

const ATF_USAGE = "usage: virtnet atf-run [--seed N] [-v] [--keep] [--no-host-ifaces] [--var NAME=VALUE]... [--tunable NAME=VALUE]... [--kldload MODULE]... SCRIPT [CASE ...]\n";

/** Does this python import scapy? */
function python_has_scapy(python: string, env: NodeJS.ProcessEnv): boolean {
  const r = spawnSync(python, ["-c", "import scapy"], { env, stdio: "ignore", timeout: 30000 });
  return r.status === 0;
}

/** The system python with scapy, for FreeBSD's `#!/usr/bin/env python3`
 *  helpers, when the python3 first on PATH (a pyenv build) lacks it. */
const SYSTEM_PYTHON = "/usr/bin/python3";

/** A directory to put first on PATH whose python3 and python import scapy,
 *  or null when the default python3 does (or none does). */
function atf_python_dir(tmp: string): string | null {
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
  const def = host_tool("python3");
  if (def !== null && python_has_scapy(def, env)) return null;
  if (def === SYSTEM_PYTHON || !is_executable(SYSTEM_PYTHON) || !python_has_scapy(SYSTEM_PYTHON, env)) return null;
  const dir = path.join(tmp, "python");
  fs.mkdirSync(dir, { recursive: true });
  for (const n of ["python3", "python"]) fs.symlinkSync(SYSTEM_PYTHON, path.join(dir, n));
  return dir;
}

/** Set on the runner re-run inside its own network namespace. */
const ATF_NETNS_ENV = "VIRTNET_ATF_NETNS";

/**
 * Can the runner mirror interfaces in a network namespace of its own?
 * true, or why not.  A trial `unshare -n true` tells a container that
 * forbids namespaces from one that allows them.
 */
function atf_netns_possible(): true | string {
  const why = hostif_linux_usable();
  if (why !== null) return why;
  const unshare = host_tool("unshare");
  if (unshare === null) return "unshare not found on PATH";
  const r = spawnSync(unshare, ["-n", "true"], { stdio: "ignore", timeout: 30000 });
  if (r.status !== 0) return "unshare -n is not permitted here";
  return true;
}

/** Inside the throw-away namespace: loopback up, IPv6 off until a TAP
 *  turns its own on quietly (net/bpf_hostif.ts), and no echo replies of
 *  Linux's own. */
function atf_netns_setup(): string | null {
  const r = spawnSync("ip", ["link", "set", "lo", "up"], { encoding: "utf8", timeout: 30000 });
  if (r.status !== 0) return `ip link set lo up: ${(r.stderr ?? "").trim()}`;
  for (const k of ["all", "default"]) {
    try {
      fs.writeFileSync(`/proc/sys/net/ipv6/conf/${k}/disable_ipv6`, "1");
    } catch {
      /* a kernel without IPv6 */
    }
  }
  // IPv6 on lo (::1): scapy's default interface there is lo, and a test
  // script's scapy warns on stderr if it cannot do IPv6.
  try {
    fs.writeFileSync("/proc/sys/net/ipv6/conf/lo/disable_ipv6", "0");
  } catch {
    /* a kernel without IPv6 */
  }
  // The TAPs get a quiet IPv6 link-local for scapy (host_dev_configure):
  // FreeBSD's stack answers pings to it, Linux's must not as well.
  try {
    fs.writeFileSync("/proc/sys/net/ipv6/icmp/echo_ignore_all", "1");
  } catch {
    /* a kernel without IPv6 */
  }
  // The TAPs get vnet0's IPv4 addresses too (net/bpf_hostif.ts keeps
  // Linux from taking what is sent to them as its own); as for IPv6, no
  // echo replies of Linux's own, and no forwarding.
  for (const [f, v] of [
    ["/proc/sys/net/ipv4/icmp_echo_ignore_all", "1"],
    ["/proc/sys/net/ipv4/icmp_echo_ignore_broadcasts", "1"],
    ["/proc/sys/net/ipv4/ip_forward", "0"],
  ]) {
    try {
      fs.writeFileSync(f, v);
    } catch {
      /* a knob this kernel lacks */
    }
  }
  atf_netns_uplink();
  return null;
}

/** The stand-in for the test host's own network interface. */
const ATF_UPLINK = "vnuplink0";

/**
 * Give the namespace what a FreeBSD test host has besides the epairs: an
 * Ethernet interface of its own with an IPv6 link-local, which scapy takes
 * for its default interface (conf.iface).  scapy routes a link-local or
 * multicast destination given without an interface (IPv6(dst="ff02::1"),
 * the Ether() source of a neighbour solicitation) through conf.iface's
 * fe80::/64; with lo as conf.iface there is no such route and it warns
 * "No route found for IPv6 destination ff02::1" on stderr, which fails
 * the atf_check of mld.sh's mldraw01 and frag6_19.  scapy picks conf.iface
 * from the IPv4 route of the shortest mask, so the stand-in gets the one
 * route of reserved 240.0.0.0/4 (shorter than lo's 127/8, and no test
 * address falls in it: what had no IPv4 route still has none).  An ifb
 * device drops what Linux sends it; a veth pair (its peer with IPv6 off)
 * where ifb is missing.  Best effort: without it, only those warnings
 * come back.
 */
function atf_netns_uplink(): void {
  const ip = (...argv: string[]) => spawnSync("ip", argv, { stdio: "ignore", timeout: 30000 }).status === 0;
  const sysctl6 = (dev: string, k: string, v: string) => {
    try {
      fs.writeFileSync(`/proc/sys/net/ipv6/conf/${dev}/${k}`, v);
    } catch {
      /* a kernel without IPv6, or a knob it lacks */
    }
  };
  if (!ip("link", "add", ATF_UPLINK, "type", "ifb")) {
    const peer = `${ATF_UPLINK}p`;
    if (!ip("link", "add", ATF_UPLINK, "type", "veth", "peer", "name", peer)) return;
    sysctl6(peer, "disable_ipv6", "1");
    ip("link", "set", peer, "arp", "off", "up");
  }
  for (const [k, v] of HOST_DEV_IPV6_QUIET) sysctl6(ATF_UPLINK, k, v);
  if (!ip("link", "set", ATF_UPLINK, "arp", "off", "up")) return;
  ip("route", "add", "240.0.0.0/4", "dev", ATF_UPLINK);
}

/** Run this same command again under `unshare -n`; its exit status. */
function atf_netns_rerun(argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("unshare", ["-n", "--", process.execPath, ...process.execArgv, process.argv[1], "atf-run", ...argv], {
      stdio: "inherit",
      env: { ...process.env, [ATF_NETNS_ENV]: "1" },
    });
    // An interrupt reaches the child's whole tree through the terminal;
    // a kill of this process alone is passed on.
    const pass = (sig: NodeJS.Signals) => child.kill(sig);
    const sigs = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    for (const sig of sigs) process.on(sig, pass);
    child.on("exit", (code, sig) => {
      for (const s of sigs) process.off(s, pass);
      resolve(code ?? 128 + (sig !== null ? (os.constants.signals[sig] ?? 15) : 15));
    });
    child.on("error", () => resolve(70));
  });
}

/** `virtnet atf-run`: exit status 0 if no case failed, 1 otherwise. */
export async function virtnet_atf_main(argv: string[], stdout: sh_io, stderr: sh_io): Promise<number> {
  // The kernel is a private, throw-away one: tests that change its global
  // sysctls may run (kyua asks for this to be configured).
  const o: atf_options = { seed: 0, verbose: false, keep: false, config: new Map([["allow_sysctl_side_effects", "1"]]), host_ifaces: "", stdout, stderr };
  let want_host_ifaces = true;
  let script: string | null = null;
  const wanted: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (script === null && a === "--seed" && /^[0-9]+$/.test(argv[i + 1] ?? "")) o.seed = Number(argv[++i]);
    else if (script === null && a === "-v") o.verbose = true;
    else if (script === null && a === "--keep") o.keep = true;
    else if (script === null && a === "--no-host-ifaces") want_host_ifaces = false;
    else if (script === null && a === "--var" && /^[^=]+=/.test(argv[i + 1] ?? "")) {
      const kv = argv[++i];
      o.config.set(kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1));
    } else if (script === null && a === "--tunable" && /^[^=]+=/.test(argv[i + 1] ?? "")) {
      const kv = argv[++i];
      (o.tunables ??= {})[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
    } else if (script === null && a === "--kldload" && (argv[i + 1] ?? "") !== "") (o.kldload ??= []).push(argv[++i]);
    else if (script === null && a.startsWith("-")) {
      stderr.write(ATF_USAGE);
      return 64;
    } else if (script === null) script = a;
    else wanted.push(a);
  }
  if (script === null) {
    stderr.write(ATF_USAGE);
    return 64;
  }
  const badtun = kern_tunables_check(o.tunables ?? {});
  if (badtun !== null) {
    stderr.write(`virtnet: loader tunable ${badtun}\n`);
    return 64;
  }
  if (!want_host_ifaces) o.host_ifaces = "the runner was asked not to mirror them (--no-host-ifaces)";
  else if (process.env[ATF_NETNS_ENV] === "1") {
    const e = atf_netns_setup();
    o.host_ifaces = e === null ? true : e;
  } else {
    const can = atf_netns_possible();
    // The command line this process runs from is needed to run it again.
    if (can === true && process.argv[2] === "atf-run") return atf_netns_rerun(argv);
    o.host_ifaces = can === true ? "not run from the virtnet command" : can;
  }
  const r = await virtnet_atf_run(script, wanted, o);
  if (typeof r === "string") {
    stderr.write(`virtnet atf-run: ${r}\n`);
    return 1;
  }
  const n = (k: atf_case_result["result"]) => r.filter((x) => x.result === k).length;
  stdout.write(`${path.basename(script)}: ${n("passed")} passed, ${n("failed")} failed, ${n("skipped")} skipped${n("expected_failure") > 0 ? `, ${n("expected_failure")} expected failures` : ""}\n`);
  return n("failed") > 0 ? 1 : 0;
}
