/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

const backend = process.env.LOAN_BROKER_DEV_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': backend,
      '/health': backend,
      '/docs': backend,
    },
  },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 1200,
    manifest: true,
  },
  test: {
    environment: 'jsdom',
    // Not a real service port: an unmocked request must fail, never hit a live server.
    environmentOptions: { jsdom: { url: 'http://frontend.test:9/' } },
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    testTimeout: 60_000,
  },
})
