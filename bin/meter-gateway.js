#!/usr/bin/env node
import "../dist/gateway/cli/main.js";
