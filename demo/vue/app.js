// The Vue demo: the README's template, compiled in the browser by Vue's full build.
import { createApp, ref } from '../../node_modules/vue/dist/vue.esm-browser.js';
import '../../dist/vue.js'; // defines <rerun-video>

const app = createApp({
  setup() {
    const video = ref(null);
    const time = ref(0);
    const duration = ref(1);
    const readout = ref('loading…');
    return {
      video,
      time,
      duration,
      readout,
      onMetadata(e) {
        const { codec, width, height, frameCount } = e.detail;
        duration.value = e.detail.duration;
        readout.value = `${codec}, ${width}×${height}, ${frameCount} frames`;
      },
      onFrame(e) {
        const { index, timestamp } = e.detail;
        readout.value = `frame ${index} / ${video.value.frameCount - 1} · t = ${timestamp.toFixed(3)} s`;
        time.value = video.value.time; // stepFrame moves the element's time: keep the slider with it
      },
      step: (n) => video.value?.stepFrame(n).catch(() => {}),
    };
  },
  template: `
    <rerun-video ref="video" src="../media/camera.mp4" :time="time"
                 @loadedmetadata="onMetadata" @frame="onFrame"
                 @unsupported-codec="(e) => (readout = e.detail.codec + ' cannot be decoded here')"
                 @error="(e) => (readout = 'error (' + e.detail.code + '): ' + e.detail.message)" />
    <div class="controls">
      <button type="button" aria-label="Previous frame" @click="step(-1)">◀ frame</button>
      <input id="slider" type="range" min="0" :max="duration" step="any" aria-label="Time" v-model.number="time" />
      <button type="button" aria-label="Next frame" @click="step(1)">frame ▶</button>
    </div>
    <output id="readout">{{ readout }}</output>`,
});
app.config.compilerOptions.isCustomElement = (tag) => tag === 'rerun-video';
app.mount('#app');
