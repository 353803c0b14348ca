#!/usr/bin/env node
'use strict';
// tsvirt-sasldblistusers: lists tsvirtd's SASL users, as sasldblistusers2.
require('./sasl-tool.cjs')('sasldblistusersMain', 'tsvirt-sasldblistusers');
