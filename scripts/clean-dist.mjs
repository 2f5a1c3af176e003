// Removes dist/ so a file deleted from src/ never lingers in the build.
import { rmSync } from 'node:fs';
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
