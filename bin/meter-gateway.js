#!/usr/bin/env node
import "../dist/meter-gateway.js";
