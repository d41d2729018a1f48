export const id = 12;
export const ids = [12];
export const modules = {

/***/ 7012:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createComputeClient: () => (/* binding */ createComputeClient)
/* harmony export */ });
/* harmony import */ var _azure_arm_compute__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2280);
// @azure/arm-compute, alone in its own chunk of the bundle: it is half of the action's code, and the
// build's first requests (the target group's location, the temporary group, its network) do not need
// it. `clients.loadCompute()` (clients.ts) loads this module; the build calls it once the first of
// those requests has been answered (build.ts) and awaits it before its first Compute request.

function createComputeClient(credential, subscriptionId, options) {
    return new _azure_arm_compute__WEBPACK_IMPORTED_MODULE_0__/* .ComputeManagementClient */ .Kx(credential, subscriptionId, options);
}


/***/ })

};
