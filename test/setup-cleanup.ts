// Per test file: remove the temporary roots the file's tests made (see helpers/temp.ts).
import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/temp.js';

afterAll(() => removeTempDirs());
