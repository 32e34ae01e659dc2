(function(){var d=document.documentElement,b=document.getElementById("yk-elder"),S=window.speechSynthesis;
function p(){b.setAttribute("aria-pressed",d.classList.contains("yk-elder")?"true":"false")}p();
b.onclick=function(){var on=d.classList.toggle("yk-elder");try{localStorage.setItem("yk-elder",on?"1":"0")}catch(e){}p();on&&d.dispatchEvent(new Event("yk-elder"))};
function say(t){S.cancel();var u=new SpeechSynthesisUtterance(t.replace(/\*+/g,"，"));u.lang="zh-CN";S.speak(u)}
function add(el,f){var x=document.createElement("button");x.type="button";x.className="yk-say";x.textContent="朗读";x.onclick=function(){say(f())};el.appendChild(x)}
window.ykSay=S&&window.SpeechSynthesisUtterance?add:null;
S&&window.SpeechSynthesisUtterance&&addEventListener("DOMContentLoaded",function(){
[].forEach.call(document.querySelectorAll("tr[id^=r-]"),function(r){var c=r.querySelector(".yk-act");c&&add(c,function(){return[].map.call(r.cells,function(t){return t==c?"":(t.dataset.label||"")+" "+t.textContent}).join("，")})});
[].forEach.call(document.querySelectorAll(".yk-reply,#reply"),function(e){var t=e.textContent;add(e.parentNode,function(){return t})})})})()
