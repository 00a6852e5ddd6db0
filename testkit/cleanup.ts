import { afterAll } from '@jest/globals'
import { removeRunFolders } from '../scripts/run-action.js'

// The built action's runs leave workspaces and runner temp folders: remove them per test file.
afterAll(() => removeRunFolders())
