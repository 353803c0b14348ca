#!/usr/bin/env node
'use strict';
// tsvirt-saslpasswd: adds, changes and deletes tsvirtd's SASL users, as saslpasswd2.
require('./sasl-tool.cjs')('saslpasswdMain', 'tsvirt-saslpasswd');
