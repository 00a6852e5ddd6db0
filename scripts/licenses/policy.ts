/** Which licenses dist/ may bundle: permissive ones, which ask for the notice kept in licenses.txt. */
import type { LicensePolicy } from './licenses.js'

export const LICENSE_POLICY: LicensePolicy = {
  allowed: ['0BSD', 'Apache-2.0', 'BlueOak-1.0.0', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', 'MIT'],
  reviewed: {
    // Both come with @actions/artifact's download code (download-artifact.js > unzip-stream >
    // binary), which this action never calls but ncc bundles with the rest of the package.
    buffers:
      '0.1.1 declares no license and ships no license file (substack/node-buffers); ' +
      'accepted until @actions/artifact drops it',
    chainsaw:
      '0.1.0 declares "MIT/X11", the MIT license under its older name, which is not an SPDX id'
  }
}
