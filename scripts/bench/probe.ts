import { runFixedPoll, runScheduler, twentyPartDurations, twentyPartRows, partsOfRows, DEFAULT_POLLING } from './schedule.js'
const r = await runScheduler(twentyPartDurations(), DEFAULT_POLLING, partsOfRows(twentyPartRows()))

console.log(r.callsPerJob, r.meanDetectionLagMs, r.wallMs / r.idealMs, r.maxOpen)
for (const s of [10, 60, 600]) { const x = await runScheduler([s * 1000]); console.log(s, x.calls, x.meanDetectionLagMs) }
