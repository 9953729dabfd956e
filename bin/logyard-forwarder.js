#!/usr/bin/env node
import '../forwarder/main.ts'
