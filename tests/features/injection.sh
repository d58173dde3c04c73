#!/bin/bash
# injection strings are data, never SQL: in keys, fields and items, the source intact after
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start msa tax

expect "key: SQL injection" "INVALID_KEY" 2 \
    query tax SH-PD-MSA enterprise-basic "' OR '1'='1" --purpose p --role auditor
expect "key: injection of USCC length" "INVALID_KEY" 2 \
    query tax SH-PD-MSA enterprise-basic "9131011'--;DROP1" --purpose p --role auditor
expect "fields: SQL injection" "UNKNOWN_FIELD" 2 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --fields "name FROM enterprise--" --purpose p --role auditor
expect "item: SQL injection" "UNKNOWN_ITEM" 2 \
    query tax SH-PD-MSA "x' OR 1=1" "$KEY" --purpose p --role auditor
expect "source intact after injections" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
finish
