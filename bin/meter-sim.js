#!/usr/bin/env node
import "../dist/meter-sim.js";
