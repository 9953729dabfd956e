#!/usr/bin/env node
// Runs the TypeScript source directly (Node >= 22.18 type stripping).
import '../aggregator/main.ts'
