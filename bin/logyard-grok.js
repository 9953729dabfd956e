#!/usr/bin/env node
// The grok debugger; runs the TypeScript source directly (Node >= 22.18 type stripping).
import '../aggregator/grok-cli.ts'
